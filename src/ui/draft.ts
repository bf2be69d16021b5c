import { basename } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { firstProblem } from '../domain/errors.js';
import { Session, SESSION_VERSION, type Condition, type ModelEntry } from '../domain/session.js';
import type { SessionStore } from '../pipeline/store.js';
import { sanitizeLine } from '../util/sanitize.js';
import type { AppApi, Draft } from './context.js';

/**
 * A fresh wizard draft: the builtin instruction set, no models yet, every other value a default
 * — the demo's where the schema's differs (20 preference items: each is judged by every judge
 * over every pair of its answers, so 50 is a long wait on a first study).
 */
export function newDraft(name: string, now = new Date()): Draft {
  const session = Session.parse({
    version: SESSION_VERSION,
    name,
    createdAt: now.toISOString(),
    data: { source: { kind: 'builtin', name: 'sotu-continuations' } },
    evaluation: { preference: { items: 20 } },
  });
  return { session, isNew: true };
}

export function withSession(draft: Draft, patch: Partial<Session>): Draft {
  return { ...draft, session: { ...draft.session, ...patch } };
}

/** Removing a model drops the conditions that train it or draw on it. */
export function withoutModel(draft: Draft, id: string): Draft {
  const models = draft.session.models.filter((m) => m.id !== id);
  const conditions = draft.session.conditions.filter((c) => c.target !== id && !c.sources.some((s) => s.model === id));
  return withSession(draft, { models, conditions });
}

export function withModel(draft: Draft, model: ModelEntry): Draft {
  if (draft.session.models.some((m) => m.id === model.id)) throw new Error(`a model "${model.id}" is already in the session: give this one another id`);
  return withSession(draft, { models: [...draft.session.models, model] });
}

export function withCondition(draft: Draft, condition: Condition): Draft {
  const rest = draft.session.conditions.filter((c) => c.name !== condition.name);
  return withSession(draft, { conditions: [...rest, condition] });
}

export function withoutCondition(draft: Draft, name: string): Draft {
  return withSession(draft, { conditions: draft.session.conditions.filter((c) => c.name !== name) });
}

/** One line per wizard cell, for the collapsed cells of the notebook-style wizard. */
export function draftSummaries(draft: Draft): Record<'data' | 'models' | 'conditions' | 'evaluation', string> {
  const s = draft.session;
  const source = s.data.source.kind === 'builtin' ? `builtin ${s.data.source.name}` : s.data.source.path || '(no file chosen)';
  const roles = (role: string) => s.models.filter((m) => m.roles.includes(role as never)).length;
  return {
    data: `${source}, test ${Math.round(s.data.testFraction * 100)}%, seed ${s.seed}`,
    models: s.models.length
      ? `${s.models.length} model(s): ${roles('source')} source, ${roles('target')} target, ${roles('judge')} judge`
      : 'no models yet',
    conditions: s.conditions.length ? `${s.conditions.length} condition(s): ${s.conditions.map((c) => c.name).join(', ')}` : 'no conditions yet',
    evaluation: evaluationSummary(s),
  };
}

function evaluationSummary(s: Session): string {
  const { perplexity, diversity, safety, preference } = s.evaluation;
  const on = [
    perplexity && 'perplexity',
    diversity.enabled && `diversity (${diversity.embedder} embedder)`,
    safety.enabled && `safety (${safety.promptsPath ? basename(safety.promptsPath) : 'builtin prompts'}${safety.filter ? `, ${safety.filter}` : ''}${safety.limit ? `, first ${safety.limit}` : ''})`,
    preference.enabled && `preference (${preference.items} items)`,
  ].filter(Boolean);
  return on.length ? on.join(', ') : 'no evaluations';
}

/** Whether leaving would lose something: a new session always, an edited one when it differs from its file. */
export function hasUnsavedChanges(draft: Draft, store: SessionStore): boolean {
  if (draft.isNew) return true;
  try {
    return !isDeepStrictEqual(store.load(draft.session.name), draft.session);
  } catch {
    return true; // its file is gone or broken: what is in the wizard is all there is
  }
}

/** Leave the wizard for where it was opened from; with unsaved changes, only once the user says so. */
export function leaveWizard(app: AppApi): void {
  const draft = app.draft;
  const leave = () => {
    app.setDraft(null);
    app.back();
  };
  if (!draft || !hasUnsavedChanges(draft, app.services.store)) return leave();
  const name = draft.session.name;
  app.confirm(draft.isNew ? `Discard the new session "${name}"? It is not saved yet (w saves it).` : `Discard your unsaved changes to "${name}"? (w saves them)`, leave);
}

/**
 * Write the draft and open its Run notebook; then say at once what a run would trip over (a
 * prompt field the file lacks, a judge that cannot judge), not hours into the run.
 */
export function saveDraft(app: AppApi, draft: Draft): void {
  if (!draft.session.conditions.length) return app.notify('choose at least one condition before saving', 'error');
  try {
    const saved = draft.isNew ? app.services.store.create(draft.session) : (app.services.store.save(draft.session), draft.session);
    app.setDraft(null);
    app.replace({ screen: 'run', session: saved.name });
    app.notify(`saved ${saved.name}: press R on the first cell to run every step`);
    app.services.capabilityProblems(saved).then(
      // The problems quote the prompt file's columns: untrusted text.
      (problems) => problems.length && app.notify(`${saved.name} cannot run every step yet: ${sanitizeLine(firstProblem(problems))}`, 'error'),
      (err: Error) => app.notify(`${saved.name}: the session could not be checked (${sanitizeLine(err.message)})`, 'error'),
    );
  } catch (err) {
    app.notify((err as Error).message, 'error');
  }
}

/**
 * Why the safety step would refuse this session for want of a judge, or null. A warning, not
 * a block: the other steps run without one.
 */
export function judgeWarning(session: Session): string | null {
  const { enabled, judge } = session.evaluation.safety;
  if (!enabled) return null;
  if (judge) return session.models.some((m) => m.id === judge) ? null : `safety judge "${judge}" is not a model of this session: the safety step will refuse`;
  return session.models.some((m) => m.roles.includes('judge')) ? null : 'no judge: the safety step will refuse; give a model the judge role';
}
