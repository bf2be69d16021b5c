import { formatInterval, formatNumber } from '../../charts/index.js';
import type { ExportCell } from '../../pipeline/export.js';
import type { EvaluatedRef, Stat } from '../../pipeline/results.js';

/** "0.52 [0.48, 0.56] n=40", or "n/a (why)" for an undefined number. */
export function statText(s: Stat, unit = ''): string {
  if (s.value === null) return `n/a${s.reason ? ` (${s.reason})` : ''}`;
  const body = s.lo !== null && s.hi !== null ? `${formatNumber(s.value)}${unit} [${formatNumber(s.lo)}, ${formatNumber(s.hi)}]` : formatInterval(s.value) + unit;
  return `${body} n=${s.n}`;
}

/** value, lo, hi, n, note: the export columns of one Stat. */
export const STAT_COLUMNS = ['value', 'lo', 'hi', 'n', 'note'];
export function statCells(s: Stat): ExportCell[] {
  return [s.value, s.lo, s.hi, s.n, s.reason ?? null];
}

/** The condition's name without its target prefix ("qwen-s/multi" under target "qwen-s" is "multi"). */
export function conditionLabel(ref: EvaluatedRef): string {
  const prefix = `${ref.target}/`;
  return ref.condition.startsWith(prefix) && ref.condition.length > prefix.length ? ref.condition.slice(prefix.length) : ref.condition;
}

/** A p-value as papers print it. */
export function pText(p: number | null): string {
  if (p === null) return 'p n/a';
  return p < 0.001 ? 'p<0.001' : `p=${formatNumber(p, 2)}`;
}
