import type { Condition, ModelEntry, SizeTier } from '../domain/session.js';

/**
 * The paper's conditions for one target (DESIGN.md §1), derived from the session's models.
 * `single`: sources of the target's own family at the chosen size; `multi`: one source per
 * family at that size, the target's family among them, equal shares.
 */

export type PaperKind = 'vanilla' | 'human' | 'single' | 'multi';
export const PAPER_KINDS: readonly PaperKind[] = ['vanilla', 'human', 'single', 'multi'];

export function conditionName(target: string, kind: string): string {
  return `${target}/${kind}`;
}

/** The condition, or why it cannot be made from the models at hand. */
export function paperCondition(models: readonly ModelEntry[], target: ModelEntry, kind: PaperKind, sourceSize: SizeTier | 'target'): Condition | string {
  const base = { name: conditionName(target.id, kind), target: target.id, kind };
  if (kind === 'vanilla' || kind === 'human') return { ...base, sources: [] };
  const size = sourceSize === 'target' ? target.size : sourceSize;
  const sources = models.filter((m) => m.roles.includes('source') && m.size === size);
  if (kind === 'single') {
    const own = sources.filter((m) => m.family === target.family);
    if (!own.length) return `needs a ${size} source model of family ${target.family}`;
    return { ...base, sources: own.map((m) => ({ model: m.id, weight: 1 })) };
  }
  const perFamily = new Map<string, ModelEntry>();
  for (const m of sources) if (!perFamily.has(m.family)) perFamily.set(m.family, m);
  if (!perFamily.has(target.family)) return `needs a ${size} source model of family ${target.family}`;
  if (perFamily.size < 2) return `needs ${size} source models of at least two families`;
  return { ...base, sources: [...perFamily.values()].map((m) => ({ model: m.id, weight: 1 })) };
}

/** Parse a custom mix such as "llama-s:2, qwen-s:1" against the session's source models. */
export function parseMix(target: string, text: string, models: readonly ModelEntry[]): Condition | string {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (!parts.length) return 'write sources as model:weight, separated by commas (e.g. "llama-s:2, qwen-s:1")';
  const sources: Condition['sources'] = [];
  for (const part of parts) {
    const [model, weightText] = part.split(':').map((s) => s.trim());
    const entry = models.find((m) => m.id === model);
    if (!entry) return `no model "${model}" in the session`;
    if (!entry.roles.includes('source')) return `model "${model}" is not a source: give it the source role first`;
    const weight = weightText === undefined ? 1 : Number(weightText);
    if (!Number.isFinite(weight) || weight <= 0) return `weight of "${model}" must be a positive number`;
    if (sources.some((s) => s.model === entry.id)) return `"${model}" is listed twice: give each source once, with its whole weight`;
    sources.push({ model: entry.id, weight });
  }
  return { name: conditionName(target, 'mix'), target, kind: 'mix', sources };
}

export function formatMix(condition: Condition | undefined): string {
  return condition ? condition.sources.map((s) => `${s.model}:${s.weight}`).join(', ') : '';
}
