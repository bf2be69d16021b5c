import type { RunEvent } from '../../src/domain/events.js';
import type { SessionInput, StepId } from '../../src/domain/session.js';
import { createModelResolver } from '../../src/pipeline/models.js';
import { runSession } from '../../src/pipeline/runner.js';
import { STEPS } from '../../src/pipeline/steps/index.js';
import type { SessionStore } from '../../src/pipeline/store.js';

/**
 * A small builtin study for step tests: founders-small (source, target and judge) and
 * modern-small (source) on 40 builtin instructions, two vanilla conditions of the founders
 * target, 6 answers each; `extra` replaces any top-level part.
 */
export function smallBuiltinStudy(name: string, extra: Partial<SessionInput> = {}): SessionInput {
  return {
    version: 1,
    name,
    createdAt: 'now',
    seed: 7,
    data: { source: { kind: 'builtin', name: 'sotu-continuations' }, subsample: 40, testFraction: 0.2 },
    models: [
      { id: 'fs', family: 'founders', size: 'small', roles: ['source', 'target', 'judge'], engine: { engine: 'builtin', base: 'founders-small' }, generation: { maxTokens: 40 } },
      { id: 'ms', family: 'modern', size: 'small', roles: ['source'], engine: { engine: 'builtin', base: 'modern-small' }, generation: { maxTokens: 40 } },
    ],
    conditions: [
      { name: 'fs/vanilla', target: 'fs', kind: 'vanilla' },
      { name: 'fs/vanilla-b', target: 'fs', kind: 'vanilla' },
    ],
    evaluation: { answers: 6, safety: { limit: 4 }, preference: { items: 3 } },
    ...extra,
  };
}

/**
 * Run steps of a stored session on its own models through the runner, keeping every event;
 * `onEvent` may cancel the run (as the user's cancel does) from any event it sees.
 */
export async function runStudy(store: SessionStore, name: string, steps: StepId[], onEvent?: (e: RunEvent, cancel: () => void) => void) {
  const events: RunEvent[] = [];
  const cancel = new AbortController();
  const outcome = await runSession({
    store,
    name,
    steps,
    registry: STEPS,
    models: (ctx) => createModelResolver(ctx.session, ctx.paths),
    signal: cancel.signal,
    onEvent: (e) => {
      events.push(e);
      onEvent?.(e, () => cancel.abort(new Error('cancelled by the user')));
    },
  });
  return { outcome, events };
}
