import { existsSync, unlinkSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { JsonlAppender } from '../util/jsonl.js';
import type { RunEvent, StepEvent, StepStatus } from '../domain/events.js';
import { acquireRunnerLock } from './lock.js';
import { sessionPaths } from './paths.js';
import { STEP_IDS, type Session, type StepId } from '../domain/session.js';
import type { ModelResolver, Step, StepContext } from './step.js';
import type { SessionStore } from './store.js';
import { cancelRequested } from './control.js';
import { assertRunnable } from './preflight.js';
import { unboundedAbortController } from '../util/abort.js';

export interface RunOptions {
  store: SessionStore;
  name: string;
  steps?: StepId[];
  retryErrors?: boolean;
  strict?: boolean;
  /** Every event, as it is written to the log (the headless printer, tests). */
  onEvent?: (event: RunEvent) => void;
  /** The step implementations; injected so tests can run a subset. */
  registry: Partial<Record<StepId, Step>>;
  /** `report` records events that arise outside a step's own stream (a model loading) as the running step's. */
  models: (ctx: Omit<StepContext, 'models'>, report: (event: StepEvent) => void) => ModelResolver;
  signal?: AbortSignal;
  now?: () => number;
  /** Checks that need the models (what they can do), run before any work; throws to refuse the run. */
  preflight?: (session: Session, steps: StepId[], signal?: AbortSignal) => Promise<void>;
}

export type RunOutcome = 'done' | 'failed' | 'cancelled';

/**
 * Execute a session's steps in order, appending every event to `events.jsonl`. Holds the
 * session's runner lock for its whole life; a cancel (signal, SIGTERM, or the cancel marker
 * file) aborts the current step cleanly and ends the run as `cancelled`.
 */
export async function runSession(opts: RunOptions): Promise<RunOutcome> {
  const now = opts.now ?? Date.now;
  const session = opts.store.load(opts.name);
  const steps = (opts.steps?.length ? STEP_IDS.filter((s) => opts.steps!.includes(s)) : [...STEP_IDS]) as StepId[];
  assertRunnable(session, steps);
  await opts.preflight?.(session, steps, opts.signal);
  const dir = opts.store.dir(opts.name);
  const paths = sessionPaths(dir);
  const release = acquireRunnerLock(dir, opts.name);
  // Every request, job poll and timer of a step listens on this one signal: past 10, Node prints
  // a leak warning into the output (sixteen fine-tuning jobs polling did).
  const abort = unboundedAbortController();
  const onExternalAbort = () => abort.abort(new Error('cancelled'));
  opts.signal?.addEventListener('abort', onExternalAbort, { once: true });
  if (existsSync(paths.cancelRequest)) unlinkSync(paths.cancelRequest);
  const cancelPoll = setInterval(() => {
    if (cancelRequested(dir)) onExternalAbort();
  }, 500);
  const log = new JsonlAppender(paths.events);
  const runId = randomUUID().slice(0, 8);
  const emit = (event: RunEvent) => {
    log.append(event);
    opts.onEvent?.(event);
  };

  let outcome: RunOutcome = 'done';
  try {
    emit({ type: 'run-start', t: now(), runId, pid: process.pid, steps });
    const base: Omit<StepContext, 'models'> = {
      session,
      paths,
      options: { retryErrors: opts.retryErrors ?? false, strict: opts.strict ?? false },
      signal: abort.signal,
      now,
    };
    let running: StepId | undefined;
    const report = (event: StepEvent) => {
      if (running) emit({ ...event, t: now(), runId, step: running } as RunEvent);
    };
    const ctx: StepContext = { ...base, models: opts.models(base, report) };
    for (const step of steps) {
      running = step;
      const started = now();
      emit({ type: 'step-start', t: started, runId, step });
      const impl = opts.registry[step];
      let status: StepStatus = 'done';
      let summary = '';
      let error: string | undefined;
      if (!impl) {
        status = 'skipped';
        summary = 'not available in this version of baskets';
      } else {
        try {
          for await (const event of impl(ctx)) {
            if (event.type === 'summary') summary = event.text;
            emit({ ...event, t: now(), runId, step } as RunEvent);
            if (abort.signal.aborted) break;
          }
          if (abort.signal.aborted) status = 'cancelled';
        } catch (err) {
          status = abort.signal.aborted ? 'cancelled' : 'failed';
          error = (err as Error).message;
        }
      }
      if (status === 'cancelled' && !summary) summary = 'cancelled';
      if (status === 'failed' && !summary) summary = error ?? 'failed';
      emit({ type: 'step-finish', t: now(), runId, step, status, elapsedMs: now() - started, summary, ...(error ? { error } : {}) });
      if (status === 'cancelled') {
        outcome = 'cancelled';
        break;
      }
      if (status === 'failed') {
        outcome = 'failed';
        break;
      }
    }
    await ctx.models.close?.();
    emit({ type: 'run-finish', t: now(), runId, status: outcome });
    return outcome;
  } finally {
    clearInterval(cancelPoll);
    opts.signal?.removeEventListener('abort', onExternalAbort);
    log.close();
    if (existsSync(paths.cancelRequest)) unlinkSync(paths.cancelRequest);
    release();
  }
}

/** Event types a step yields (re-exported for step authors). */
export type { StepEvent };
