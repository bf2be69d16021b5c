import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { readRunnerLock } from './lock.js';
import { sessionPaths } from './paths.js';
import { STEP_IDS, type StepId } from '../domain/session.js';
import { assertReady, assertRunnable } from './preflight.js';
import { SessionStore } from './store.js';

export { readRunnerLock } from './lock.js';
export { followEvents } from './follow.js';

/** The compiled CLI next to this module (dist/pipeline/control.js → dist/cli.js). */
export function cliPath(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return join(here, '..', 'cli.js');
}

export interface RunRequest {
  steps?: StepId[];
  retryErrors?: boolean;
  strict?: boolean;
}

/** Arguments of `baskets run` for a request (shared by the detacher and the TUI). */
export function runArgs(name: string, req: RunRequest): string[] {
  const args = ['run', name];
  if (req.steps?.length) args.push('--steps', req.steps.join(','));
  if (req.retryErrors) args.push('--retry-errors');
  if (req.strict) args.push('--strict');
  return args;
}

/**
 * Start a runner that outlives this process and its terminal: its own process group, stdio to
 * the session's runner.log, unreferenced. Returns once the process has been spawned.
 */
export async function startDetachedRun(sessionsDir: string, name: string, opts: RunRequest = {}): Promise<{ pid: number }> {
  // Refuse here, where the user sees it, rather than in the detached runner's log.
  const session = new SessionStore(sessionsDir).load(name);
  const steps = opts.steps?.length ? opts.steps : STEP_IDS;
  assertRunnable(session, steps);
  await assertReady(session, steps);
  const paths = sessionPaths(join(sessionsDir, name));
  mkdirSync(paths.dir, { recursive: true });
  const log = openSync(paths.runnerLog, 'a');
  const child = spawn(process.execPath, [cliPath(), ...runArgs(name, opts), '--headless', '--sessions', sessionsDir], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, BASKETS_DETACHED: '1' },
  });
  closeSync(log);
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid ?? 0));
    child.once('error', reject);
  });
  child.unref();
  return { pid };
}

/**
 * Ask the session's runner to stop cleanly: a marker file (seen even if signals are lost) and
 * SIGTERM, which the runner turns into an abort of the current step.
 */
export function requestCancel(sessionDir: string): boolean {
  const lock = readRunnerLock(sessionDir);
  if (!lock?.alive) return false;
  writeFileAtomic(sessionPaths(sessionDir).cancelRequest, String(Date.now()));
  // Only a pid proven to be the runner is signalled: an old or hand-made lock may name any
  // process. The runner also polls the marker, so an unsignalled one still stops.
  if (!lock.verified) return true;
  try {
    process.kill(lock.pid, 'SIGTERM');
  } catch {
    /* it just ended */
  }
  return true;
}

export function cancelRequested(sessionDir: string): boolean {
  return existsSync(sessionPaths(sessionDir).cancelRequest);
}
