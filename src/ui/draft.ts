import { Session, SESSION_VERSION, type Condition, type ModelEntry } from '../pipeline/session.js';
import type { Draft } from './context.js';

/** A fresh wizard draft: the builtin instruction set, no models yet, every other value a default. */
export function newDraft(name: string, now = new Date()): Draft {
  const session = Session.parse({
    version: SESSION_VERSION,
    name,
    createdAt: now.toISOString(),
    data: { source: { kind: 'builtin', name: 'sotu-continuations' } },
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
export function draftSummaries(draft: Draft): Record<'data' | 'models' | 'conditions', string> {
  const s = draft.session;
  const source = s.data.source.kind === 'builtin' ? `builtin ${s.data.source.name}` : s.data.source.path || '(no file chosen)';
  const roles = (role: string) => s.models.filter((m) => m.roles.includes(role as never)).length;
  return {
    data: `${source}, test ${Math.round(s.data.testFraction * 100)}%, seed ${s.seed}`,
    models: s.models.length
      ? `${s.models.length} model(s): ${roles('source')} source, ${roles('target')} target, ${roles('judge')} judge`
      : 'no models yet',
    conditions: s.conditions.length ? `${s.conditions.length} condition(s): ${s.conditions.map((c) => c.name).join(', ')}` : 'no conditions yet',
  };
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
