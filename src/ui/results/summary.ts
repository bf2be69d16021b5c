import { formatNumber } from '../../charts/index.js';
import type { EvaluatedRef, PairedResult, Stat } from '../../pipeline/results.js';
import { pText } from './format.js';
import type { LoadedResults } from './load.js';

function signed(x: number, unit = ''): string {
  return `${x > 0 ? '+' : x < 0 ? '-' : ''}${formatNumber(Math.abs(x))}${unit}`;
}

function interval(s: Stat): string {
  return s.lo !== null && s.hi !== null ? `${formatNumber(s.value)} [${formatNumber(s.lo)}, ${formatNumber(s.hi)}]` : formatNumber(s.value);
}

/** The paired comparison of `a` against `b`, turned round when the file holds b − a. */
export function pairedDiff(comparisons: readonly PairedResult[], target: string, a: string, b: string): { diff: Stat; p: number | null } | null {
  const c = comparisons.find((x) => x.target === target && ((x.a === a && x.b === b) || (x.a === b && x.b === a)));
  if (!c) return null;
  if (c.a === a) return { diff: c.diff, p: c.p };
  const neg = (v: number | null) => (v === null ? null : -v);
  return { diff: { ...c.diff, value: neg(c.diff.value), lo: neg(c.diff.hi), hi: neg(c.diff.lo) }, p: c.p };
}

/** A difference in mean log-perplexity as a change in (geometric-mean) perplexity, in percent. */
export function perplexityChange(diff: Stat, p: number | null): string {
  if (diff.value === null) return `perplexity n/a (${diff.reason ?? 'no paired items'})`;
  const pct = (d: number) => 100 * (Math.exp(d) - 1);
  const range = diff.lo !== null && diff.hi !== null ? ` [${signed(pct(diff.lo), '%')}, ${signed(pct(diff.hi), '%')}]` : '';
  return `perplexity ${signed(pct(diff.value), '%')}${range} (${pText(p)}, n=${diff.n})`;
}

/** Multi minus single on the paper's lexical diversity; with the paired test when the file has one. */
function lexicalChange(a: Stat, b: Stat, paired: { diff: Stat; p: number | null } | null): string | null {
  if (a.value === null || b.value === null) return null;
  const test = paired && paired.diff.value !== null ? `, paired ${signedInterval(paired.diff)} ${pText(paired.p)}, n=${paired.diff.n}` : '';
  return `lexical diversity ${signed(a.value - b.value)} (${interval(a)} vs ${interval(b)}${test})`;
}

function signedInterval(s: Stat): string {
  const range = s.lo !== null && s.hi !== null ? ` [${signed(s.lo)}, ${signed(s.hi)}]` : '';
  return `${signed(s.value!)}${range}`;
}

function findKind<M extends EvaluatedRef>(models: readonly M[] | undefined, target: string, kind: string): M | undefined {
  return models?.find((m) => m.target === target && m.kind === kind);
}

/**
 * The paper's headline comparison per target, with intervals: "qwen-s: multi vs single:
 * lexical diversity +4.2 (62.1 [60.3, 63.9] vs 57.9 [55.8, 60]), perplexity -12% [-15%, -9%]
 * (p<0.001, n=200)". Both means keep their own intervals; where the result file has the paired
 * test over the shared test items (perplexity always, lexical diversity since it is computed per
 * item) its difference, interval, p and n follow.
 */
export function summaryLines(loaded: LoadedResults): string[] {
  const { perplexity, diversity } = loaded.files;
  const targets = [...new Set([...(perplexity?.models ?? []), ...(diversity?.models ?? [])].map((m) => m.target))];
  const lines: string[] = [];
  for (const target of targets) {
    const parts: string[] = [];
    const dm = findKind(diversity?.models, target, 'multi');
    const ds = findKind(diversity?.models, target, 'single');
    if (dm && ds) {
      const paired = pairedDiff(diversity?.lexicalDiversityComparisons ?? [], target, dm.condition, ds.condition);
      const lex = lexicalChange(dm.lexical.lexicalDiversity, ds.lexical.lexicalDiversity, paired);
      if (lex) parts.push(lex);
    }
    const pm = findKind(perplexity?.models, target, 'multi');
    const ps = findKind(perplexity?.models, target, 'single');
    const paired = pm && ps && perplexity ? pairedDiff(perplexity.comparisons, target, pm.condition, ps.condition) : null;
    if (paired) parts.push(perplexityChange(paired.diff, paired.p));
    if (parts.length) lines.push(`${target}: multi vs single: ${parts.join(', ')}`);
  }
  return lines;
}
