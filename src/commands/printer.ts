import { safeJson, sanitizeLine } from '../util/sanitize.js';
import { skipUnknownEvent, type RunEvent } from '../pipeline/events.js';
import { formatDuration, stepLabel } from '../pipeline/notebook.js';

/**
 * Headless output: readable progress lines (or JSON lines) for a run without a TTY. Progress
 * is throttled per task so a log file over ssh stays small.
 */
export function createPrinter(out: (line: string) => void, opts: { json?: boolean; progressEveryMs?: number } = {}) {
  const every = opts.progressEveryMs ?? 2000;
  const lastProgress = new Map<string, number>();
  const clock = (t: number) => new Date(t).toISOString().slice(11, 19);
  return (e: RunEvent) => {
    if (opts.json) {
      out(safeJson(e));
      return;
    }
    const at = `[${clock(e.t)}]`;
    switch (e.type) {
      case 'run-start':
        out(`${at} run ${e.runId} started (pid ${e.pid}): ${e.steps.join(' → ')}`);
        return;
      case 'step-start':
        out(`${at} ${e.step}: started`);
        return;
      case 'progress': {
        const key = `${e.step}/${e.task}`;
        const finished = e.done >= e.total;
        if (!finished && e.t - (lastProgress.get(key) ?? -Infinity) < every) return;
        lastProgress.set(key, e.t);
        const extras = [
          e.inFlight !== undefined ? `${e.inFlight} in flight` : '',
          e.tokensPerSecond !== undefined ? `${Math.round(e.tokensPerSecond)} tok/s` : '',
          e.errors ? `${e.errors} errors` : '',
        ].filter(Boolean);
        out(`${at} ${e.step}: ${sanitizeLine(e.task)} ${e.done}/${e.total} ${e.unit}${extras.length ? ' · ' + extras.join(' · ') : ''}`);
        return;
      }
      case 'log':
        out(`${at} ${e.step}: ${e.level === 'info' ? '' : e.level + ': '}${sanitizeLine(e.message)}`);
        return;
      case 'train-metrics': {
        const key = `${e.step}/${e.task}/train`;
        const m = e.metrics;
        if (m.step < m.totalSteps && e.t - (lastProgress.get(key) ?? -Infinity) < every) return;
        lastProgress.set(key, e.t);
        const parts = [stepLabel(m)];
        if (m.loss !== undefined) parts.push(`loss ${m.loss.toFixed(4)}`);
        if (m.evalLoss !== undefined) parts.push(`eval ${m.evalLoss.toFixed(4)}`);
        if (m.learningRate !== undefined) parts.push(`lr ${m.learningRate.toExponential(1)}`);
        if (m.tokensPerSecond !== undefined) parts.push(`${Math.round(m.tokensPerSecond)} tok/s`);
        if (m.gpuMemoryMb !== undefined) parts.push(`mem ${Math.round(m.gpuMemoryMb)} MB`);
        if (m.remainingS !== undefined && m.step < m.totalSteps) parts.push(`ETA ${formatDuration(m.remainingS * 1000)}`);
        out(`${at} ${e.step}: ${sanitizeLine(e.task)} ${parts.join(' · ')}`);
        return;
      }
      case 'gpu':
        if (!e.samples) out(`${at} ${e.step}: gpu: ${sanitizeLine(e.message ?? 'no GPU information')}`);
        return;
      case 'result':
        out(`${at} ${e.step}: wrote ${e.name} (${sanitizeLine(e.summary)})`);
        return;
      case 'summary':
        return; // shown with step-finish
      case 'step-finish':
        out(`${at} ${e.step}: ${e.status} in ${(e.elapsedMs / 1000).toFixed(1)} s — ${sanitizeLine(e.summary)}`);
        return;
      case 'run-finish':
        out(`${at} run ${e.runId} ${e.status}`);
        return;
      default:
        skipUnknownEvent(e);
    }
  };
}
