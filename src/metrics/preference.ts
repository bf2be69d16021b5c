/**
 * Self-preference of one judge from pairwise judgements made in both orders.
 *
 * - S_m: mean normalised preference of source m over all its appearances (as A it gets pA,
 *   as B it gets 1 − pA).
 * - SPB (self-preference bias) = S_own − mean of the other LLM sources' S.
 * - PSB (pro-synthetic bias) = mean of all LLM sources' S (own included) − S_human.
 * - Position bias = mean pA − 0.5 (> 0: the first position is favoured).
 * A judge whose pA is the same whichever answer comes first, in every pair judged both ways, does
 * not read the answers (a template's last tokens decide its first token): SPB, PSB and each S are
 * then undefined, not a confident 0 — the judgements carry no preference to measure.
 * Unreadable judgements (no label probabilities, no parseable verdict) are counted and left out:
 * read as 0.5 they would pull every S toward a tie.
 * Intervals: seeded cluster bootstrap over instructions — all pairs of one instruction share its
 * answers, so they are resampled together — recomputing each statistic per resample.
 */
import type { JudgeMethod } from '../domain/models.js';
import { mulberry32 } from '../util/rng.js';
import { percentile, type ResampleOptions } from './stats.js';
import { defined, undefinedBecause, type MetricValue } from './value.js';

export type PairJudgement = {
  judge: string;
  /** The instruction both answers respond to: the resampling unit. Absent: the judgement is its own. */
  item?: string;
  sourceA: string;
  sourceB: string;
} & (
  | {
      /** P(A preferred), normalised over the A and B verdicts. */
      pA: number;
      method: JudgeMethod;
    }
  | { pA: null; method: 'unparseable' }
);

type ReadJudgement = Extract<PairJudgement, { pA: number }>;

export interface Estimate {
  value: number;
  lo: number;
  hi: number;
}

export interface SelfPreference {
  judge: string;
  /** Judgements the numbers rest on (the unparseable left out). */
  judgements: number;
  /** How many judgements each method produced (say so when the fallback was used). */
  methods: Record<JudgeMethod, number>;
  /** Judgements whose reply could not be read: counted, not in any number. */
  unparseable: number;
  /** Instructions (resampling clusters) the judgements come from. */
  clusters: number;
  /** Pairs judged in both orders on one instruction, how many got the same pA both ways, and whether all of them did. */
  bothOrders: BothOrders;
  /** Appearances and S per source. */
  sources: Record<string, { appearances: number; s: MetricValue<Estimate> }>;
  spb: MetricValue<Estimate>;
  psb: MetricValue<Estimate>;
  positionBias: MetricValue<Estimate>;
}

interface Point {
  s: Map<string, number>;
  spb: number | null;
  psb: number | null;
  position: number;
}

/** Preference mass and appearances per source (indexed as in `names`), and the pA total. */
interface Sums {
  sum: Float64Array;
  count: Float64Array;
  pA: number;
  n: number;
}

function sumsOf(items: readonly ReadJudgement[], index: ReadonlyMap<string, number>): Sums {
  const out: Sums = { sum: new Float64Array(index.size), count: new Float64Array(index.size), pA: 0, n: items.length };
  for (const j of items) {
    const a = index.get(j.sourceA)!;
    const b = index.get(j.sourceB)!;
    out.sum[a] += j.pA;
    out.count[a]++;
    out.sum[b] += 1 - j.pA;
    out.count[b]++;
    out.pA += j.pA;
  }
  return out;
}

/** The statistics of the union of some clusters' sums (a resample adds clusters, not judgements). */
function point(parts: readonly Sums[], names: readonly string[], own: string, human: string): Point {
  const k = names.length;
  const sum = new Float64Array(k);
  const count = new Float64Array(k);
  let pa = 0;
  let n = 0;
  for (const p of parts) {
    for (let i = 0; i < k; i++) {
      sum[i] += p.sum[i];
      count[i] += p.count[i];
    }
    pa += p.pA;
    n += p.n;
  }
  const s = new Map<string, number>();
  for (let i = 0; i < k; i++) if (count[i] > 0) s.set(names[i], sum[i] / count[i]);
  const others = [...s].filter(([key]) => key !== own && key !== human).map(([, v]) => v);
  const llms = [...s].filter(([key]) => key !== human).map(([, v]) => v);
  const avg = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
  const sOwn = s.get(own);
  const sHuman = s.get(human);
  return {
    s,
    spb: sOwn !== undefined && others.length ? sOwn - avg(others) : null,
    psb: sHuman !== undefined && llms.length ? avg(llms) - sHuman : null,
    position: pa / n - 0.5,
  };
}

/** Every source the judgements name, numbered in order of first appearance (results list them so). */
function sourceIndex(judgements: readonly ReadJudgement[]): { index: Map<string, number>; names: string[] } {
  const index = new Map<string, number>();
  for (const j of judgements) for (const src of [j.sourceA, j.sourceB]) if (!index.has(src)) index.set(src, index.size);
  return { index, names: [...index.keys()] };
}

/** The judgements grouped by instruction, in order of first appearance. */
function clustersOf(judgements: readonly ReadJudgement[]): ReadJudgement[][] {
  const byItem = new Map<string, ReadJudgement[]>();
  judgements.forEach((j, i) => {
    const key = j.item === undefined ? `\u0000${i}` : `item:${j.item}`;
    const cluster = byItem.get(key);
    if (cluster) cluster.push(j);
    else byItem.set(key, [j]);
  });
  return [...byItem.values()];
}

/** Two pAs this close are the same verdict: the judge's first token did not see the answers. */
const SAME_PA = 1e-9;

/**
 * The pairs judged in both orders (same instruction, sources swapped), and whether every one got
 * the same pA both ways. Blindness needs at least two such pairs: one coincidence proves nothing.
 */
export interface BothOrders {
  pairs: number;
  same: number;
  answerBlind: boolean;
}

export function bothOrders(judgements: readonly ReadJudgement[]): BothOrders {
  const byOrder = new Map<string, number>();
  for (const j of judgements) if (j.item !== undefined) byOrder.set(JSON.stringify([j.item, j.sourceA, j.sourceB]), j.pA);
  let pairs = 0;
  let same = 0;
  for (const j of judgements) {
    if (j.item === undefined || j.sourceA >= j.sourceB) continue;
    const swapped = byOrder.get(JSON.stringify([j.item, j.sourceB, j.sourceA]));
    if (swapped === undefined) continue;
    pairs++;
    if (Math.abs(swapped - j.pA) <= SAME_PA) same++;
  }
  return { pairs, same, answerBlind: pairs >= 2 && same === pairs };
}

const blindReason = (pairs: number) =>
  `the judge's verdicts do not depend on the answers: P(A) was the same whichever answer came first in all ${pairs} pairs judged both ways — use a judge that reads them`;

/**
 * SPB of each instruction on its own judgements, for paired comparisons between judges of the
 * same answers. Unreadable judgements and those without an instruction are left out, as are
 * instructions whose SPB is undefined (no read judgement with the own or another LLM source).
 */
export function spbByItem(all: readonly PairJudgement[], opts: { own: string; human?: string }): Map<string, number> {
  const read = all.filter((j): j is ReadJudgement & { item: string } => j.method !== 'unparseable' && j.item !== undefined);
  const out = new Map<string, number>();
  // An answer-blind judge has no SPB on any instruction (every one would read 0).
  if (bothOrders(read).answerBlind) return out;
  const { index, names } = sourceIndex(read);
  for (const cluster of clustersOf(read)) {
    const { spb } = point([sumsOf(cluster, index)], names, opts.own, opts.human ?? 'human');
    if (spb !== null) out.set(cluster[0].item!, spb);
  }
  return out;
}

export function selfPreference(
  all: readonly PairJudgement[],
  opts: ResampleOptions & { own: string; human?: string },
): SelfPreference {
  const human = opts.human ?? 'human';
  const judge = all[0]?.judge ?? '';
  all.forEach((j, i) => {
    if (j.judge !== judge) throw new Error(`judgement ${i} is by "${j.judge}" but judgement 0 by "${judge}"; compute self-preference per judge`);
    if (j.method === 'unparseable' ? j.pA !== null : !(j.pA !== null && j.pA >= 0 && j.pA <= 1)) {
      throw new Error(`judgement ${i} has pA ${j.pA} with method "${j.method}"; it must be a probability in [0, 1], or null for an unparseable one`);
    }
  });
  const judgements = all.filter((j): j is ReadJudgement => j.method !== 'unparseable');
  const methods: Record<JudgeMethod, number> = { logprobs: 0, verdict: 0, likelihood: 0 };
  for (const j of judgements) methods[j.method]++;
  const unparseable = all.length - judgements.length;
  if (judgements.length === 0) {
    const none = undefinedBecause<Estimate>(unparseable ? `no judgement could be read (${unparseable} unparseable)` : 'no judgements');
    return { judge, judgements: 0, methods, unparseable, clusters: 0, bothOrders: { pairs: 0, same: 0, answerBlind: false }, sources: {}, spb: none, psb: none, positionBias: none };
  }
  const orders = bothOrders(judgements);
  // Only position bias means something for an answer-blind judge.
  const blind = orders.answerBlind ? undefinedBecause<Estimate>(blindReason(orders.pairs)) : null;
  const { index, names } = sourceIndex(judgements);
  const clusters = clustersOf(judgements).map((c) => sumsOf(c, index));
  // Summed by cluster as the resamples are, so rounding treats the estimate and its interval alike.
  const full = point(clusters, names, opts.own, human);
  const rand = mulberry32(opts.seed ?? 42);
  const resamples = opts.resamples ?? 2000;
  const boots: Point[] = [];
  const pick: Sums[] = new Array<Sums>(clusters.length);
  for (let r = 0; r < resamples; r++) {
    for (let c = 0; c < clusters.length; c++) pick[c] = clusters[Math.floor(rand() * clusters.length)];
    boots.push(point(pick, names, opts.own, human));
  }
  const alpha = 1 - (opts.level ?? 0.95);
  const estimate = (value: number | null | undefined, of: (p: Point) => number | null | undefined, reason: string): MetricValue<Estimate> => {
    if (value === null || value === undefined) return undefinedBecause(reason);
    // Resamples that happen to miss a source give no value for it and are left out.
    const xs = Float64Array.from(boots.map(of).filter((x): x is number => x !== null && x !== undefined)).sort();
    return defined({ value, lo: percentile(xs, alpha / 2), hi: percentile(xs, 1 - alpha / 2) });
  };
  const appearances = new Map<string, number>();
  for (const j of judgements) {
    appearances.set(j.sourceA, (appearances.get(j.sourceA) ?? 0) + 1);
    appearances.set(j.sourceB, (appearances.get(j.sourceB) ?? 0) + 1);
  }
  const sources = Object.fromEntries(
    [...full.s].map(([k, v]) => [k, { appearances: appearances.get(k)!, s: blind ?? estimate(v, (p) => p.s.get(k), '') }]),
  );
  return {
    judge,
    judgements: judgements.length,
    methods,
    unparseable,
    clusters: clusters.length,
    bothOrders: orders,
    sources,
    spb: blind ?? estimate(full.spb, (p) => p.spb, `needs judgements with the judge's own source "${opts.own}" and at least one other LLM source`),
    psb: blind ?? estimate(full.psb, (p) => p.psb, `needs judgements with the human source "${human}" and at least one LLM source`),
    positionBias: estimate(full.position, (p) => p.position, ''),
  };
}
