/**
 * Self-preference of one judge from pairwise judgements made in both orders.
 *
 * - S_m: mean normalised preference of source m over all its appearances (as A it gets pA,
 *   as B it gets 1 − pA).
 * - SPB (self-preference bias) = S_own − mean of the other LLM sources' S.
 * - PSB (pro-synthetic bias) = mean of all LLM sources' S (own included) − S_human.
 * - Position bias = mean pA − 0.5 (> 0: the first position is favoured).
 * Intervals: seeded bootstrap over judgements, recomputing each statistic per resample.
 */
import { mulberry32 } from '../util/rng.js';
import { percentile, type ResampleOptions } from './stats.js';
import { defined, undefinedBecause, type MetricValue } from './value.js';

export interface PairJudgement {
  judge: string;
  sourceA: string;
  sourceB: string;
  /** P(A preferred), normalised over the A and B verdicts. */
  pA: number;
  /** 'logprobs': from verdict-token probabilities; 'verdict': parsed text (0 or 1), the fallback. */
  method: 'logprobs' | 'verdict';
}

export interface Estimate {
  value: number;
  lo: number;
  hi: number;
}

export interface SelfPreference {
  judge: string;
  judgements: number;
  /** How many judgements each method produced (say so when the fallback was used). */
  methods: { logprobs: number; verdict: number };
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

function point(items: readonly PairJudgement[], own: string, human: string): Point {
  const sum = new Map<string, number>();
  const count = new Map<string, number>();
  let pa = 0;
  for (const j of items) {
    sum.set(j.sourceA, (sum.get(j.sourceA) ?? 0) + j.pA);
    count.set(j.sourceA, (count.get(j.sourceA) ?? 0) + 1);
    sum.set(j.sourceB, (sum.get(j.sourceB) ?? 0) + 1 - j.pA);
    count.set(j.sourceB, (count.get(j.sourceB) ?? 0) + 1);
    pa += j.pA;
  }
  const s = new Map([...sum].map(([k, v]) => [k, v / count.get(k)!]));
  const others = [...s].filter(([k]) => k !== own && k !== human).map(([, v]) => v);
  const llms = [...s].filter(([k]) => k !== human).map(([, v]) => v);
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sOwn = s.get(own);
  const sHuman = s.get(human);
  return {
    s,
    spb: sOwn !== undefined && others.length ? sOwn - avg(others) : null,
    psb: sHuman !== undefined && llms.length ? avg(llms) - sHuman : null,
    position: pa / items.length - 0.5,
  };
}

export function selfPreference(
  judgements: readonly PairJudgement[],
  opts: ResampleOptions & { own: string; human?: string },
): SelfPreference {
  const human = opts.human ?? 'human';
  const judge = judgements[0]?.judge ?? '';
  judgements.forEach((j, i) => {
    if (j.judge !== judge) throw new Error(`judgement ${i} is by "${j.judge}" but judgement 0 by "${judge}"; compute self-preference per judge`);
    if (!(j.pA >= 0 && j.pA <= 1)) throw new Error(`judgement ${i} has pA ${j.pA}; it must be a probability in [0, 1]`);
  });
  const methods = {
    logprobs: judgements.filter((j) => j.method === 'logprobs').length,
    verdict: judgements.filter((j) => j.method === 'verdict').length,
  };
  if (judgements.length === 0) {
    const none = undefinedBecause<Estimate>('no judgements');
    return { judge, judgements: 0, methods, sources: {}, spb: none, psb: none, positionBias: none };
  }
  const full = point(judgements, opts.own, human);
  const rand = mulberry32(opts.seed ?? 42);
  const resamples = opts.resamples ?? 2000;
  const boots: Point[] = [];
  for (let r = 0; r < resamples; r++) {
    const pick = Array.from({ length: judgements.length }, () => judgements[Math.floor(rand() * judgements.length)]);
    boots.push(point(pick, opts.own, human));
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
    [...full.s].map(([k, v]) => [k, { appearances: appearances.get(k)!, s: estimate(v, (p) => p.s.get(k), '') }]),
  );
  return {
    judge,
    judgements: judgements.length,
    methods,
    sources,
    spb: estimate(full.spb, (p) => p.spb, `needs judgements with the judge's own source "${opts.own}" and at least one other LLM source`),
    psb: estimate(full.psb, (p) => p.psb, `needs judgements with the human source "${human}" and at least one LLM source`),
    positionBias: estimate(full.position, (p) => p.position, ''),
  };
}
