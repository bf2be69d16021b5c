import type { Example } from '../../domain/example.js';
import { sha256 } from '../../domain/hash.js';
import type { EvaluatedRef, PerItemMeasure, PerItemTable, Stat } from '../results.js';
import { pairedOverShared, type PerItemValues } from './paired.js';

/** An item's name across sessions: the same instruction, context and response give the same name. */
export function itemFingerprint(e: Example): string {
  return sha256(JSON.stringify([e.instruction, e.context, e.response])).slice(0, 16);
}

/**
 * The per-item values of each measure's conditions over the `examples` that any condition has a
 * value for. A text that repeats within the set gets "#2", "#3", … so each copy keeps its value.
 */
export function perItemTable(all: readonly Example[], measures: readonly { measure: PerItemMeasure; models: readonly PerItemValues[] }[]): PerItemTable {
  const examples = all.filter((e) => measures.some(({ models }) => models.some(({ values }) => values.has(e.id))));
  const seen = new Map<string, number>();
  const items = examples.map((e) => {
    const fingerprint = itemFingerprint(e);
    const k = (seen.get(fingerprint) ?? 0) + 1;
    seen.set(fingerprint, k);
    return k === 1 ? fingerprint : `${fingerprint}#${k}`;
  });
  const rows = measures.flatMap(({ measure, models }) =>
    models.map(({ ref, values }) => ({ condition: ref.condition, target: ref.target, kind: ref.kind, measure, values: examples.map((e) => values.get(e.id) ?? null) })),
  );
  return { items, rows };
}

/** Whether a result file's `perItem` is a table this version can pair (a hand-edited or cut file may not be). */
export function isPerItemTable(x: unknown): x is PerItemTable {
  const t = x as Partial<PerItemTable> | null;
  return (
    Array.isArray(t?.items) &&
    t.items.every((i) => typeof i === 'string') &&
    // One value per item: a fingerprint twice would let one value stand for two items.
    new Set(t.items).size === t.items.length &&
    Array.isArray(t.rows) &&
    t.rows.every(
      (r) =>
        typeof r?.condition === 'string' &&
        typeof r.target === 'string' &&
        typeof r.kind === 'string' &&
        typeof r.measure === 'string' &&
        Array.isArray(r.values) &&
        r.values.length === t.items!.length &&
        r.values.every((v) => v === null || Number.isFinite(v)),
    )
  );
}

/** The same condition in two sessions compared on the items both have a value for (a − b). */
export interface CrossSessionPaired extends EvaluatedRef {
  diff: Stat;
  p: number | null;
}

function valuesByItem(table: PerItemTable, values: readonly (number | null)[]): Map<string, number> {
  const out = new Map<string, number>();
  values.forEach((v, i) => {
    if (v !== null) out.set(table.items[i], v);
  });
  return out;
}

/**
 * Every condition that both sessions' tables hold for `measure`, by name, compared by a seeded
 * paired bootstrap over the items (by fingerprint) that both sessions have a value for.
 */
export function pairedAcrossSessions(a: PerItemTable, b: PerItemTable, measure: PerItemMeasure, seed: number): CrossSessionPaired[] {
  const rowsOfB = new Map(b.rows.filter((r) => r.measure === measure).map((r) => [r.condition, r]));
  return a.rows.flatMap((ra) => {
    const rb = ra.measure === measure ? rowsOfB.get(ra.condition) : undefined;
    if (!rb) return [];
    return [{ condition: ra.condition, target: ra.target, kind: ra.kind, ...pairedOverShared(valuesByItem(a, ra.values), valuesByItem(b, rb.values), seed) }];
  });
}
