import { appendFileSync } from 'node:fs';
import { sessionPaths } from '../../src/pipeline/paths.js';
import {
  RESULT_VERSION,
  type DiversityModelResult,
  type DiversityResultFile,
  type EvaluatedRef,
  type PerplexityModelResult,
  type PerplexityResultFile,
  type PreferenceResultFile,
  type ResultFiles,
  type ResultName,
  type SafetyModelResult,
  type SafetyResultFile,
  type Stat,
} from '../../src/pipeline/results.js';
import type { ConditionKind } from '../../src/domain/session.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { writeJsonAtomic } from '../../src/util/atomic.js';
import type { LoadedResults } from '../../src/ui/results/load.js';

/**
 * Result files in the exact types of src/pipeline/results.ts (the compiler checks them), for a
 * study with target qwen-s under four conditions and llama-s under two.
 */

const header = { version: RESULT_VERSION, createdAt: '2026-01-01T00:00:00.000Z', seed: 7 } as const;

export const st = (value: number | null, lo: number | null, hi: number | null, n: number, reason?: string): Stat => (reason ? { value, lo, hi, n, reason } : { value, lo, hi, n });

const ref = (target: string, kind: ConditionKind): EvaluatedRef => ({ target, kind, condition: `${target}/${kind}` });

const REFS = [ref('qwen-s', 'vanilla'), ref('qwen-s', 'human'), ref('qwen-s', 'single'), ref('qwen-s', 'multi'), ref('llama-s', 'single'), ref('llama-s', 'multi')];

/** Mean perplexity per condition: human best, multi beats single (the paper's direction). */
export const PPL: Record<string, number> = {
  'qwen-s/vanilla': 40,
  'qwen-s/human': 18,
  'qwen-s/single': 30,
  'qwen-s/multi': 24,
  'llama-s/single': 35,
  'llama-s/multi': 29,
};

function perplexityModel(r: EvaluatedRef): PerplexityModelResult {
  const m = PPL[r.condition];
  return { ...r, scored: 40, errors: 0, tokens: 4000, emptySkipped: 0, mean: st(m, m - 2, m + 2.5, 40), corpus: st(m * 0.9, null, null, 40), bitsPerByte: st(1.1, null, null, 40) };
}

export function perplexityFile(): PerplexityResultFile {
  return {
    ...header,
    kind: 'perplexity',
    items: 40,
    models: REFS.map(perplexityModel),
    comparisons: [
      // single − multi in mean log-perplexity: the summary must turn it round to multi − single.
      { target: 'qwen-s', a: 'qwen-s/single', b: 'qwen-s/multi', diff: st(Math.log(30 / 24), 0.15, 0.3, 40), p: 0.002 },
      { target: 'qwen-s', a: 'qwen-s/human', b: 'qwen-s/multi', diff: st(Math.log(18 / 24), -0.4, -0.2, 40), p: 0.0004 },
      { target: 'llama-s', a: 'llama-s/multi', b: 'llama-s/single', diff: st(null, null, null, 0, 'no paired items'), p: null },
    ],
  };
}

/** Lexical diversity (100 − Self-BLEU) per condition. */
export const LEXICAL: Record<string, number> = {
  'qwen-s/vanilla': 58,
  'qwen-s/human': 70,
  'qwen-s/single': 55,
  'qwen-s/multi': 62.5,
  'llama-s/single': 50,
  'llama-s/multi': 57,
};

function diversityModel(r: EvaluatedRef, i: number): DiversityModelResult {
  const lex = LEXICAL[r.condition];
  const k = 3 + i;
  const beta = 0.6 + i * 0.02;
  const curve = [10, 100, 1000, 5000].map((n) => ({ n, v: Math.round(k * n ** beta) }));
  return {
    ...r,
    answers: 40,
    errors: i === 5 ? 2 : 0,
    tokens: 5000,
    types: curve[3].v,
    lexical: {
      ttr: st(0.3, null, null, 5000),
      distinct: { 1: st(0.3, null, null, 5000), 2: st(0.6 + i / 100, null, null, 5000), 3: st(0.8, null, null, 5000), 4: st(0.9, null, null, 5000) },
      mattr: st(0.7, 0.68, 0.72, 40),
      mtld: st(60, 55, 65, 40),
      compressionRatio: st(2.5, null, null, 40),
      crossSelfBleu: st(0.2, 0.18, 0.22, 40),
      withinSelfBleu: st(100 - lex, 100 - lex - 2.5, 100 - lex + 2.5, 38),
      lexicalDiversity: st(lex, lex - 2.5, lex + 2.5, 38),
      counts: { selfBleuHypotheses: 40, selfBleuSampled: false, withinScored: 38, withinSkipped: 0, withinIneligible: 2 },
    },
    ...(r.target === 'llama-s'
      ? { semantic: null, semanticReason: 'no model can embed' }
      : { semantic: { embedder: 'founders-small', embedderKind: 'builtin' as const, meanCosineDistance: st(0.4, 0.38, 0.42, 40), vendi: st(12, 11, 13, 40), vectors: 40, zeroVectors: 0 } }),
    heaps: {
      paper: i === 0 ? null : { k, beta, r2: 0.99, points: 5 },
      logLog: { k: k * 1.1, beta: beta - 0.01, r2: 0.98, points: 5000 },
      reasons: i === 0 ? { paper: 'needs at least 3 samples of 1000 tokens' } : {},
      curve,
    },
  };
}

export function diversityFile(): DiversityResultFile {
  return { ...header, kind: 'diversity', models: REFS.map(diversityModel) };
}

/** grid[quality − 1][harm − 1]: the danger zone (q ≥ 4, h ≥ 4) holds 3 + 1 of qwen-s/single's 20. */
export function safetyGrid(): number[][] {
  const grid = Array.from({ length: 5 }, () => [0, 0, 0, 0, 0]);
  grid[0][0] = 10; // quality 1, harm 1
  grid[4][0] = 6; // quality 5, harm 1: good, harmless
  grid[4][4] = 3; // quality 5, harm 5: danger
  grid[3][4] = 1; // quality 4, harm 5: danger
  return grid;
}

function safetyModel(r: EvaluatedRef): SafetyModelResult {
  return {
    ...r,
    prompts: 21,
    answerErrors: 0,
    rated: 21,
    ratingErrors: 0,
    parsed: 20,
    unparseable: 1,
    unparseableIds: ['adv-17'],
    heuristicHarm: 20,
    grid: safetyGrid(),
    dangerZone: st(0.2, 0.05, 0.4, 20),
    refusalRate: st(0.5, 0.3, 0.7, 21),
    meanQuality: st(3, 2.4, 3.6, 20),
    meanHarm: st(2.2, 1.6, 2.8, 20),
  };
}

export function safetyFile(): SafetyResultFile {
  return { ...header, kind: 'safety', judge: 'founders-small', heuristic: true, prompts: { origin: 'builtin', count: 21 }, models: REFS.slice(0, 4).map(safetyModel) };
}

export function preferenceFile(): PreferenceResultFile {
  const sources = ['founders-small', 'moderns-small', 'human'];
  const s = (v: number) => ({ appearances: 80, s: st(v, v - 0.05, v + 0.05, 80) });
  return {
    ...header,
    kind: 'preference',
    items: 20,
    sources,
    judges: [
      {
        judge: 'founders-small',
        family: 'founders',
        own: 'founders-small',
        judgements: 120,
        errors: 0,
        methods: { logprobs: 120, verdict: 0 },
        verdictFallback: false,
        sources: { 'founders-small': s(0.6), 'moderns-small': s(0.5), human: s(0.4) },
        spb: st(0.1, 0.02, 0.18, 120),
        psb: st(0.15, 0.05, 0.25, 120),
        positionBias: st(0.02, -0.03, 0.07, 120),
      },
      {
        judge: 'moderns-small',
        family: 'moderns',
        own: 'moderns-small',
        judgements: 120,
        errors: 0,
        methods: { logprobs: 0, verdict: 120 },
        verdictFallback: true,
        sources: { 'founders-small': s(0.45), 'moderns-small': s(0.55), human: s(0.5) },
        spb: st(-0.05, -0.12, 0.02, 120),
        psb: st(0, -0.08, 0.08, 120),
        positionBias: st(0.1, 0.04, 0.16, 120),
      },
    ],
  };
}

export const ALL_RESULTS: { [N in Exclude<ResultName, 'answers' | 'training'>]: () => ResultFiles[N] } = {
  perplexity: perplexityFile,
  diversity: diversityFile,
  safety: safetyFile,
  preference: preferenceFile,
};

export function loadedOf(names: readonly (keyof typeof ALL_RESULTS)[] = Object.keys(ALL_RESULTS) as (keyof typeof ALL_RESULTS)[]): LoadedResults {
  return { files: Object.fromEntries(names.map((n) => [n, ALL_RESULTS[n]()])), errors: {} };
}

/** A session folder with the given result files written where the evaluation steps write them. */
export function fixtureSession(sessionsDir: string, name: string, results: readonly (keyof typeof ALL_RESULTS)[]): string {
  const store = new SessionStore(sessionsDir);
  store.create({ version: 1, name, createdAt: '2026-01-01T00:00:00.000Z', seed: header.seed, data: { source: { kind: 'builtin', name: 'sotu-continuations' } } });
  const dir = store.dir(name);
  for (const r of results) writeResult(dir, r);
  return dir;
}

export function writeResult(dir: string, name: keyof typeof ALL_RESULTS): void {
  writeJsonAtomic(sessionPaths(dir).result(name), ALL_RESULTS[name]());
}

/** What a runner appends when it rewrites a result file. */
export function appendResultEvent(dir: string, name: string): void {
  const paths = sessionPaths(dir);
  appendFileSync(paths.events, JSON.stringify({ t: Date.now(), runId: 'run-1', type: 'result', step: name, name, path: paths.result(name), summary: `${name} written` }) + '\n');
}
