import { safeJson, sanitizeLine } from '../util/sanitize.js';
import { skipUnknownEvent, type RunEvent } from '../domain/events.js';
import { formatDuration, stepLabel } from '../pipeline/notebook.js';

/** A failed step or run: what a shell user must see on stderr. */
const isFailure = (e: RunEvent) => (e.type === 'step-finish' || e.type === 'run-finish') && e.status === 'failed';

/**
 * Headless output: readable progress lines (or JSON lines) for a run without a TTY. Progress
 * is throttled per task so a log file over ssh stays small. With `err`, a failure's line goes
 * there (stderr) instead; with --json, where stdout holds only events, it goes there as well.
 */
export function createPrinter(out: (line: string) => void, opts: { json?: boolean; progressEveryMs?: number; err?: (line: string) => void } = {}) {
  const every = opts.progressEveryMs ?? 2000;
  const lastProgress = new Map<string, number>();
  const clock = (t: number) => new Date(t).toISOString().slice(11, 19);
  return (e: RunEvent) => {
    const failure = opts.err && isFailure(e) ? opts.err : undefined;
    if (opts.json) {
      out(safeJson(e));
      failure?.(readable(e)!);
      return;
    }
    const line = readable(e);
    if (line !== undefined) (failure ?? out)(line);
  };

  /** The event as one line, or undefined where it is not shown (throttled progress, summaries). */
  function readable(e: RunEvent): string | undefined {
    const at = `[${clock(e.t)}]`;
    switch (e.type) {
      case 'run-start':
        return `${at} run ${e.runId} started (pid ${e.pid}): ${e.steps.join(' → ')}`;
      case 'step-start':
        return `${at} ${e.step}: started`;
      case 'progress': {
        const key = `${e.step}/${e.task}`;
        const finished = e.done >= e.total;
        if (!finished && e.t - (lastProgress.get(key) ?? -Infinity) < every) return undefined;
        lastProgress.set(key, e.t);
        const extras = [
          e.inFlight !== undefined ? `${e.inFlight} in flight` : '',
          e.tokensPerSecond !== undefined ? `${Math.round(e.tokensPerSecond)} tok/s` : '',
          e.errors ? `${e.errors} errors` : '',
        ].filter(Boolean);
        return `${at} ${e.step}: ${sanitizeLine(e.task)} ${e.done}/${e.total} ${e.unit}${extras.length ? ' · ' + extras.join(' · ') : ''}`;
      }
      case 'log':
        return `${at} ${e.step}: ${e.level === 'info' ? '' : e.level + ': '}${sanitizeLine(e.message)}`;
      case 'train-metrics': {
        const key = `${e.step}/${e.task}/train`;
        const m = e.metrics;
        if (m.step < m.totalSteps && e.t - (lastProgress.get(key) ?? -Infinity) < every) return undefined;
        lastProgress.set(key, e.t);
        const parts = [stepLabel(m)];
        if (m.loss !== undefined) parts.push(`loss ${m.loss.toFixed(4)}`);
        if (m.evalLoss !== undefined) parts.push(`eval ${m.evalLoss.toFixed(4)}`);
        if (m.learningRate !== undefined) parts.push(`lr ${m.learningRate.toExponential(1)}`);
        if (m.tokensPerSecond !== undefined) parts.push(`${Math.round(m.tokensPerSecond)} tok/s`);
        if (m.gpuMemoryMb !== undefined) parts.push(`mem ${Math.round(m.gpuMemoryMb)} MB`);
        if (m.remainingS !== undefined && m.step < m.totalSteps) parts.push(`ETA ${formatDuration(m.remainingS * 1000)}`);
        return `${at} ${e.step}: ${sanitizeLine(e.task)} ${parts.join(' · ')}`;
      }
      case 'gpu':
        return e.samples ? undefined : `${at} ${e.step}: gpu: ${sanitizeLine(e.message ?? 'no GPU information')}`;
      case 'result':
        return `${at} ${e.step}: wrote ${e.name} (${sanitizeLine(e.summary)})`;
      case 'summary':
        return undefined; // shown with step-finish
      case 'step-finish':
        return `${at} ${e.step}: ${e.status} in ${(e.elapsedMs / 1000).toFixed(1)} s — ${sanitizeLine(e.summary)}`;
      case 'run-finish':
        return `${at} run ${e.runId} ${e.status}`;
      default:
        skipUnknownEvent(e);
        return undefined;
    }
  }
}
