import type { Condition, ModelEntry, Session } from '../domain/session.js';

export interface WeightedSource {
  model: string;
  weight: number;
}

const sources = (session: Session) => session.models.filter((m) => m.roles.includes('source'));

/**
 * The sources a condition trains on. Explicit `sources` win; otherwise the paper's defaults:
 * `single` = the target's own family (at the target's size tier when there is one), `multi` =
 * one source per family in equal shares, the target's family among them.
 */
export function conditionSources(session: Session, condition: Condition): WeightedSource[] {
  if (condition.sources.length) return condition.sources.map((s) => ({ model: s.model, weight: s.weight }));
  if (condition.kind !== 'single' && condition.kind !== 'multi') return [];
  const target = session.models.find((m) => m.id === condition.target);
  if (!target) return [];
  const pick = (family: string): ModelEntry | undefined => {
    const same = sources(session).filter((m) => m.family === family);
    return same.find((m) => m.size === target.size) ?? same[0];
  };
  if (condition.kind === 'single') {
    const own = pick(target.family);
    return own ? [{ model: own.id, weight: 1 }] : [];
  }
  const families = [...new Set(sources(session).map((m) => m.family))];
  return families.map((f) => pick(f)).filter((m): m is ModelEntry => !!m).map((m) => ({ model: m.id, weight: 1 }));
}

/** Why a condition cannot be assembled, or null when it can. */
export function conditionProblem(session: Session, condition: Condition): string | null {
  const target = session.models.find((m) => m.id === condition.target);
  if (!target) return `condition "${condition.name}": target "${condition.target}" is not a model of this session`;
  if (!target.roles.includes('target')) return `condition "${condition.name}": model "${target.id}" does not have the target role`;
  const srcs = conditionSources(session, condition);
  if ((condition.kind === 'single' || condition.kind === 'multi' || condition.kind === 'mix') && srcs.length === 0) {
    return `condition "${condition.name}": no source models for a ${condition.kind} condition — add a source of family "${target.family}" or list sources`;
  }
  for (const s of srcs) {
    if (!session.models.some((m) => m.id === s.model)) return `condition "${condition.name}": source "${s.model}" is not a model of this session`;
  }
  if (condition.kind === 'multi' && !srcs.some((s) => session.models.find((m) => m.id === s.model)?.family === target.family)) {
    return `condition "${condition.name}": a multi-source mix must include the target's own family "${target.family}"`;
  }
  return null;
}

/**
 * Split `total` slots among weighted sources by largest remainder, so shares are as equal as
 * integers allow and always add up to `total`.
 */
export function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) counts[order[k].i]++;
  return counts;
}
