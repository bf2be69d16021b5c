import { createModelResolver } from '../pipeline/models.js';
import { startDetachedRun, readRunnerLock, followEvents, requestCancel } from '../pipeline/control.js';
import { LockHeldError } from '../pipeline/lock.js';
import { basketsCommand } from '../pipeline/command-hint.js';
import { assertReady } from '../pipeline/preflight.js';
import { runSession, type RunOutcome } from '../pipeline/runner.js';
import { STEP_IDS, type StepId } from '../domain/session.js';
import { STEPS } from '../pipeline/steps/index.js';
import { sessionPaths } from '../pipeline/paths.js';
import { skippedLinesNote } from '../pipeline/follow.js';
import type { SessionStore } from '../pipeline/store.js';
import type { RunEvent } from '../domain/events.js';
import { createPrinter } from './printer.js';
import { EXIT } from './errors.js';
import { ConfigError } from '../domain/errors.js';

export interface RunFlags {
  steps?: string;
  detach?: boolean;
  headless?: boolean;
  json?: boolean;
  retryErrors?: boolean;
  strict?: boolean;
}

export function parseSteps(spec: string | undefined): StepId[] | undefined {
  if (spec === undefined) return undefined;
  const steps = spec.split(',').map((s) => s.trim()).filter(Boolean);
  // An empty list must not quietly mean "every step".
  if (!steps.length) throw new ConfigError(`--steps names no step: list some of ${STEP_IDS.join(', ')}, or leave it out to run them all`);
  for (const s of steps) {
    if (!(STEP_IDS as readonly string[]).includes(s)) throw new ConfigError(`unknown step "${s}": choose from ${STEP_IDS.join(', ')}`);
  }
  return steps as StepId[];
}

const ATTACH_GRACE_MS = 3000;

const OUTCOME_EXIT: Record<RunOutcome, number> = { done: EXIT.ok, failed: EXIT.failed, cancelled: EXIT.cancelled };
export const outcomeExit = (o: RunOutcome) => OUTCOME_EXIT[o];

/** Run a session's steps in this process, printing progress lines or JSON lines (and a failure on `err` too). */
export async function runHeadless(store: SessionStore, name: string, flags: RunFlags, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Survive the terminal going away (ssh drop): keep running, stop writing to it.
  process.on('SIGHUP', () => {});
  try {
    const outcome = await runSession({
      store,
      name,
      steps: parseSteps(flags.steps),
      retryErrors: flags.retryErrors,
      strict: flags.strict,
      registry: STEPS,
      models: (ctx, report) => createModelResolver(ctx.session, ctx.paths, { signal: ctx.signal, report }),
      preflight: (session, steps, signal) => assertReady(session, steps, { signal }),
      onEvent: createPrinter(out, { json: flags.json, err }),
      signal: abort.signal,
    });
    return outcomeExit(outcome);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** Start a runner that outlives the terminal and say how to follow it. */
export async function runDetached(store: SessionStore, name: string, flags: RunFlags, out: (s: string) => void): Promise<number> {
  store.load(name); // fail fast on a missing or invalid session
  const lock = readRunnerLock(store.dir(name));
  if (lock?.alive) throw new LockHeldError(lock, name, store.root);
  const { pid } = await startDetachedRun(store.root, name, { steps: parseSteps(flags.steps), retryErrors: flags.retryErrors, strict: flags.strict });
  out(`started runner ${pid} for "${name}" (log: ${sessionPaths(store.dir(name)).runnerLog})`);
  out(`follow it with: ${basketsCommand(`attach ${name}`, store.root)}`);
  return EXIT.ok;
}

/** Leaving the TUI never stops a run: say so, and how to reach it again. */
export function sayIfStillRunning(store: SessionStore, name: string, out: (s: string) => void): void {
  const lock = readRunnerLock(store.dir(name));
  if (lock?.alive) out(`the run of "${name}" goes on (runner pid ${lock.pid}): \`${basketsCommand(`attach ${name}`, store.root)}\` follows it, \`${basketsCommand(`cancel ${name}`, store.root)}\` stops it`);
}

/**
 * Cancel a session's run from the shell (what `c` does in the Run notebook): the runner stops
 * its current step cleanly and records the run as cancelled. Waits until it has let go.
 */
export async function cancelRun(store: SessionStore, name: string, out: (s: string) => void, waitMs = 30_000): Promise<number> {
  store.load(name);
  const dir = store.dir(name);
  const lock = readRunnerLock(dir);
  if (!lock?.alive || !requestCancel(dir)) {
    out(`session "${name}" has no running runner: nothing to cancel`);
    return EXIT.ok;
  }
  out(`asked runner ${lock.pid} of "${name}" to stop…`);
  const until = Date.now() + waitMs;
  while (readRunnerLock(dir)?.alive) {
    if (Date.now() > until) throw new Error(`runner ${lock.pid} of "${name}" is still running after ${waitMs / 1000} s: see ${sessionPaths(dir).runnerLog}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  out(`runner ${lock.pid} stopped; \`${basketsCommand(`run ${name}`, store.root)}\` resumes where it left off`);
  return EXIT.ok;
}

/**
 * Follow a session's event log from the shell until its run finishes (or forever with no run).
 * Returns the run's exit code. Ctrl-C detaches without stopping the run.
 */
export async function attachHeadless(store: SessionStore, name: string, flags: { json?: boolean }, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  store.load(name);
  const dir = store.dir(name);
  const print = createPrinter(out, { json: flags.json, progressEveryMs: 0, err });
  return new Promise<number>((resolve) => {
    let lastRun: Extract<RunEvent, { type: 'run-start' | 'run-finish' }> | undefined;
    const say = (line: string) => !flags.json && out(line); // a --json stream holds events only
    let sawLiveRun = false;
    const log = sessionPaths(dir).events;
    let skipped = 0;
    const follower = followEvents(
      log,
      (events) => {
        for (const e of events) {
          print(e);
          if (e.type === 'run-start' || e.type === 'run-finish') lastRun = e;
        }
      },
      {
        // Said on stderr, so that a --json stream holds events only.
        onSkipped: (lines) => {
          skipped += lines.length;
          err(skippedLinesNote(log, lines, skipped));
        },
      },
    );
    const startedAt = Date.now();
    const check = setInterval(() => {
      const alive = readRunnerLock(dir)?.alive ?? false;
      sawLiveRun ||= alive;
      if (alive) return;
      if (lastRun?.type === 'run-finish') return finish(outcomeExit(lastRun.status));
      // A runner that was just started may not hold its lock yet: give it a moment.
      if (!sawLiveRun && Date.now() - startedAt <= ATTACH_GRACE_MS) return;
      if (!lastRun) {
        say(`"${name}" has not been run yet: \`${basketsCommand(`run ${name}`, store.root)}\` starts it`);
        return finish(EXIT.ok);
      }
      err(`the runner of "${name}" (pid ${lastRun.pid}) stopped without finishing its run: \`${basketsCommand(`run ${name}`, store.root)}\` resumes it`);
      finish(EXIT.failed);
    }, 300);
    const detach = () => finish(EXIT.ok);
    process.once('SIGINT', detach);
    function finish(code: number) {
      clearInterval(check);
      follower.close();
      process.off('SIGINT', detach);
      resolve(code);
    }
  });
}
