import { cleanLabel, displayWidth, formatNumber, truncate, wrapWords } from '../../charts/index.js';
import type { DiversityModelResult, DiversityResultFile, EvaluatedRef, PairedResult, Stat } from '../../pipeline/results.js';
import { pText } from './format.js';
import type { LoadedResults } from './load.js';

function signed(x: number, unit = ''): string {
  return `${x > 0 ? '+' : x < 0 ? '-' : ''}${formatNumber(Math.abs(x))}${unit}`;
}

function interval(s: Stat): string {
  return s.lo !== null && s.hi !== null ? `${formatNumber(s.value)} [${formatNumber(s.lo)}, ${formatNumber(s.hi)}]` : formatNumber(s.value);
}

/** A paired difference with its p-value. */
type Paired = { diff: Stat; p: number | null };

/** The paired comparison of `a` against `b`, turned round when the file holds b − a. */
export function pairedDiff(comparisons: readonly PairedResult[], target: string, a: string, b: string): Paired | null {
  const c = comparisons.find((x) => x.target === target && ((x.a === a && x.b === b) || (x.a === b && x.b === a)));
  if (!c) return null;
  if (c.a === a) return { diff: c.diff, p: c.p };
  const neg = (v: number | null) => (v === null ? null : -v);
  return { diff: { ...c.diff, value: neg(c.diff.value), lo: neg(c.diff.hi), hi: neg(c.diff.lo) }, p: c.p };
}

/** A difference in mean log-perplexity as a change in geometric-mean perplexity, in percent. */
const pct = (d: number) => 100 * (Math.exp(d) - 1);

/** A difference in mean log-perplexity as a change in (geometric-mean) perplexity, with its interval, p and n. */
export function perplexityChange(diff: Stat, p: number | null): string {
  if (diff.value === null) return `perplexity n/a (${diff.reason ?? 'no paired items'})`;
  const range = diff.lo !== null && diff.hi !== null ? ` [${signed(pct(diff.lo), '%')}, ${signed(pct(diff.hi), '%')}]` : '';
  // The paired mean log-ratio, so a ratio of geometric means: not the ratio of the two arithmetic means beside it.
  return `geo-mean perplexity ${signed(pct(diff.value), '%')}${range} (${pText(p)}, n=${diff.n})`;
}

/** Multi minus single on the paper's lexical diversity; with the paired test when the file has one. */
function lexicalChange(a: Stat, b: Stat, paired: Paired | null, data: SourceData | undefined): string | null {
  if (a.value === null || b.value === null) return null;
  const test = paired && paired.diff.value !== null ? `, paired on the ${paired.diff.n} items both scored ${signedInterval(paired.diff)} ${pText(paired.p)}` : '';
  // Four digits: sources' data differ in tenths on a 0–100 scale.
  const sources = data ? `, source data: own ${formatNumber(data.own, 4)} vs mix ${formatNumber(data.mix, 4)}` : '';
  return `lexical diversity ${signed(a.value - b.value)} (${interval(a)} vs ${interval(b)}${test}${sources})`;
}

/** The paper's lexical diversity of the data single and multi were trained on (from the sources' own data). */
interface SourceData {
  own: number;
  mix: number;
}

/**
 * A mix's within-response diversity is the weighted average of its sources' (each response has
 * one writer), so this says which way mixing moves the data before training does anything.
 */
function sourceData(diversity: DiversityResultFile | undefined, single: DiversityModelResult, multi: DiversityModelResult): SourceData | undefined {
  const value = new Map((diversity?.sources ?? []).map((s) => [s.source, s.lexicalDiversity.value]));
  const average = (mix: DiversityModelResult['mix']): number | undefined => {
    if (!mix?.length) return undefined;
    let sum = 0;
    let weights = 0;
    for (const { source, weight } of mix) {
      const v = value.get(source);
      if (v === null || v === undefined) return undefined;
      sum += weight * v;
      weights += weight;
    }
    return weights > 0 ? sum / weights : undefined;
  };
  const [own, mix] = [average(single.mix), average(multi.mix)];
  return own === undefined || mix === undefined ? undefined : { own, mix };
}

function signedInterval(s: Stat): string {
  const range = s.lo !== null && s.hi !== null ? ` [${signed(s.lo)}, ${signed(s.hi)}]` : '';
  return `${signed(s.value!)}${range}`;
}

function findKind<M extends EvaluatedRef>(models: readonly M[] | undefined, target: string, kind: string): M | undefined {
  return models?.find((m) => m.target === target && m.kind === kind);
}

interface TargetComparison {
  target: string;
  /** Multi minus single on the paper's lexical diversity, with its text and the paired test. */
  lexical?: { diff: number; text: string; paired?: Paired };
  /** The lexical diversity of the sources' data behind single and multi. */
  data?: SourceData;
  /** The paired perplexity comparison (mean log-perplexity difference), with its text. */
  perplexity?: Paired & { text: string };
  /** Multi minus single on mean cosine distance (the paired one, over the items both embedded, when the file has it), with its text. */
  semantic?: { diff: number; text: string; paired?: Paired };
}

/** Multi vs single for each target that has either comparison. */
function comparisons(loaded: LoadedResults): TargetComparison[] {
  const { perplexity, diversity } = loaded.files;
  const targets = [...new Set([...(perplexity?.models ?? []), ...(diversity?.models ?? [])].map((m) => m.target))];
  return targets.map((target) => {
    const out: TargetComparison = { target };
    const dm = findKind(diversity?.models, target, 'multi');
    const ds = findKind(diversity?.models, target, 'single');
    if (dm && ds) {
      const paired = pairedDiff(diversity?.lexicalDiversityComparisons ?? [], target, dm.condition, ds.condition);
      const [a, b] = [dm.lexical.lexicalDiversity, ds.lexical.lexicalDiversity];
      out.data = sourceData(diversity, ds, dm);
      const text = lexicalChange(a, b, paired, out.data);
      if (text && a.value !== null && b.value !== null) out.lexical = { diff: a.value - b.value, text, ...(paired ? { paired } : {}) };
      const [ca, cb] = [dm.semantic?.meanCosineDistance.value, ds.semantic?.meanCosineDistance.value];
      if (typeof ca === 'number' && typeof cb === 'number') {
        const cosine = pairedDiff(diversity?.semanticComparisons ?? [], target, dm.condition, ds.condition);
        // The paired difference rests on the items both embedded; the two values beside each other may not.
        if (cosine?.diff.value != null) out.semantic = { diff: cosine.diff.value, text: `mean cosine distance ${signedInterval(cosine.diff)} (${pText(cosine.p)}, n=${cosine.diff.n})`, paired: cosine };
        else out.semantic = { diff: ca - cb, text: `mean cosine distance ${signed(ca - cb)}` };
      }
    }
    const pm = findKind(perplexity?.models, target, 'multi');
    const ps = findKind(perplexity?.models, target, 'single');
    const paired = pm && ps && perplexity ? pairedDiff(perplexity.comparisons, target, pm.condition, ps.condition) : null;
    if (paired) out.perplexity = { ...paired, text: perplexityChange(paired.diff, paired.p) };
    return out;
  }).filter((c) => c.lexical || c.perplexity);
}

/**
 * The paper's headline comparison, with intervals, in at most `maxLines` lines. Per target
 * when they fit: "qwen-s: multi vs single: lexical diversity +4.2 (62.1 [60.3, 63.9] vs 57.9
 * [55.8, 60]), perplexity -12% [-15%, -9%] (p<0.001, n=200)" — both means keep their own
 * intervals; where the result file has the paired test over the shared test items (perplexity
 * always, lexical diversity since it is computed per item) its difference, interval, p and n
 * follow. With more targets than lines, or lines wider than `width` (cut before their
 * perplexity part): how many targets go the paper's way on each measure; each target's lexical
 * and perplexity differences in short; then the lexical count split by whether the target's own
 * source data is more or less diverse than its mix's (mixing can only lower the data's
 * diversity for the first).
 */
export function summaryLines(loaded: LoadedResults, maxLines = Infinity, width = Infinity): string[] {
  const all = comparisons(loaded);
  const full = all.map(targetLine);
  if (all.length <= maxLines && full.every((line) => displayWidth(line) <= width)) return full;
  const [counts, ...bySourceData] = countLines(all);
  const lines = [counts];
  const perTarget = (label: string, pick: (c: TargetComparison) => string | null) => {
    const items = all.map((c) => (pick(c) === null ? null : `${c.target} ${pick(c)}`)).filter(Boolean);
    if (items.length) lines.push(`${label}: ${items.join(', ')}`);
  };
  perTarget('lexical diversity multi − single', (c) => (c.lexical ? signed(c.lexical.diff) : null));
  perTarget('geo-mean perplexity multi vs single', (c) => (c.perplexity?.diff.value != null ? signed(pct(c.perplexity.diff.value), '%') : null));
  // Why the lexical signs split, where there is room for it after every target's numbers.
  lines.push(...bySourceData);
  return lines.slice(0, maxLines);
}

/** For a report, where space is no object: the counts (with several targets), then every target's line in full. */
export function reportSummary(loaded: LoadedResults): string[] {
  const all = comparisons(loaded);
  return [...(all.length > 1 ? countLines(all) : []), ...all.map(targetLine)];
}

function targetLine(c: TargetComparison): string {
  return `${c.target}: multi vs single: ${[c.lexical?.text, c.semantic?.text, c.perplexity?.text].filter(Boolean).join(', ')}`;
}

/**
 * How many targets go the paper's way on each measure, and the lexical count split by whether
 * the target's own source data is more or less diverse than its mix's.
 */
function countLines(all: readonly TargetComparison[]): string[] {
  const count = (xs: (number | undefined)[], holds: (x: number) => boolean) => {
    const known = xs.filter((x): x is number => x !== undefined);
    return { k: known.filter(holds).length, n: known.length };
  };
  // The signs alone can mislead: say how many paired intervals clear zero, measure by measure, the
  // paper's way and against it — at p < 0.05 too, since a few items' bootstrap interval can clear
  // zero where the exact test does not.
  const cleared = (paired: (c: TargetComparison) => Paired | undefined, higher: boolean) => {
    const tested = all.map(paired).filter((t): t is Paired => t !== undefined && t.diff.lo !== null && t.diff.hi !== null);
    const clears = (t: Paired, up: boolean) => (up ? t.diff.lo! > 0 : t.diff.hi! < 0) && (t.p === null || t.p < 0.05);
    const against = tested.filter((t) => clears(t, !higher)).length;
    return tested.length ? `${tested.filter((t) => clears(t, higher)).length}/${tested.length}${against ? ` (${against} against)` : ''}` : '–';
  };
  const measures = [
    { name: 'lexical higher', signs: count(all.map((c) => c.lexical?.diff), (x) => x > 0), cleared: cleared((c) => c.lexical?.paired, true) },
    { name: 'semantic', signs: count(all.map((c) => c.semantic?.diff), (x) => x > 0), cleared: cleared((c) => c.semantic?.paired, true) },
    { name: 'perplexity lower', signs: count(all.map((c) => c.perplexity?.diff.value ?? undefined), (x) => x < 0), cleared: cleared((c) => c.perplexity, false) },
  ].filter((m) => m.signs.n > 0);
  const tests = measures.some((m) => m.cleared !== '–') ? ` (intervals clear 0: ${measures.map((m) => m.cleared).join(', ')})` : '';
  const lines = [`multi vs single, ${all.length} targets: ${measures.map((m) => `${m.name} ${m.signs.k}/${m.signs.n}`).join(', ')}${tests}`];
  // Split by which way the mix moves the data: where the target's own source is the more diverse, mixing lowers it.
  const byData = (ownMore: boolean) => count(all.filter((c) => c.data && (c.data.own > c.data.mix) === ownMore).map((c) => c.lexical?.diff), (x) => x > 0);
  const [less, more] = [byData(false), byData(true)];
  if (less.n + more.n > 0) {
    lines.push(`lexical higher ${less.k}/${less.n} where the target's own source data is less diverse than the mix's, ${more.k}/${more.n} where more diverse`);
  }
  return lines;
}

/**
 * The headline as screen rows: at most `rows` rows of `width`, each line wrapped at words, so a
 * narrow terminal sees whole facts — a line that does not fit ends after a whole word, in an
 * ellipsis — never a number cut in two.
 */
export function summaryRows(loaded: LoadedResults, width: number, rows: number, ascii = false): string[] {
  const wrapped = summaryLines(loaded, rows, width).flatMap((line, i) => wrapWords(cleanLabel(line, ascii), width).map((text) => ({ text, line: i })));
  const shown = wrapped.slice(0, rows).map((r) => r.text);
  if (wrapped.length > rows && wrapped[rows].line === wrapped[rows - 1].line) {
    const ellipsis = ascii ? '...' : '…';
    const words = shown[rows - 1].split(' ');
    while (words.length > 1 && displayWidth(`${words.join(' ')} ${ellipsis}`) > width) words.pop();
    shown[rows - 1] = truncate(`${words.join(' ')} ${ellipsis}`, width, ascii);
  }
  return shown;
}
