import { describe, expect, it } from 'vitest';
import { loadHarmfulPrompts, sampleTestExamples } from '../../src/pipeline/evaluation/prompts.js';
import { BUILTIN_HARMFUL_PROMPTS } from '../../src/pipeline/evaluation/harmful-prompts.js';
import type { Example } from '../../src/domain/example.js';
import { Session, type ModelEntry } from '../../src/domain/session.js';
import { aggregatePerplexity, pairedComparisons } from '../../src/pipeline/steps/perplexity.js';
import { aggregatePreference, judgementFields, orderedPairs, ownSource, preferenceJudges } from '../../src/pipeline/steps/preference.js';
import { aggregateSafety, safetyJudgeId } from '../../src/pipeline/steps/safety.js';
import { sharedData } from '../helpers/tmp.js';

const ADVBENCH = sharedData('advbench/harmful_behaviors.csv');

const ex = (id: string, response = 'a b c'): Example => ({ id, instruction: `q${id}`, context: '', response, category: '' });
const ref = (condition: string, target = 't') => ({ condition, target, kind: 'vanilla' as const });

const session = (over: Record<string, unknown> = {}) =>
  Session.parse({
    version: 1,
    name: 's',
    createdAt: 'now',
    data: { source: { kind: 'builtin', name: 'sotu-continuations' } },
    models: [
      { id: 'j', family: 'fam', size: 'small', roles: ['judge', 'target'], engine: { engine: 'builtin', base: 'founders-small' } },
      { id: 'src-own', family: 'fam', size: 'small', roles: ['source'], engine: { engine: 'builtin', base: 'founders-small' } },
      { id: 'src-other', family: 'other', size: 'small', roles: ['source'], engine: { engine: 'builtin', base: 'modern-small' } },
    ],
    conditions: [{ name: 'j/vanilla', target: 'j', kind: 'vanilla' }],
    ...over,
  });

describe('perplexity aggregation', () => {
  it('counts error rows, skips missing ones, and gives the paper mean inside its interval', () => {
    const items = [
      { example: ex('1'), row: { key: 'k1', t: 0, logprobs: [Math.log(0.5), Math.log(0.25)] } },
      { example: ex('2'), row: { key: 'k2', t: 0, logprobs: [Math.log(0.5)] } },
      { example: ex('3'), row: { key: 'k3', t: 0, error: 'server said no' } },
      { example: ex('4'), row: undefined },
    ];
    const { result, logPpl } = aggregatePerplexity(ref('c'), items, 1);
    expect(result).toMatchObject({ scored: 2, errors: 1, tokens: 3 });
    // Per-response perplexities: exp(1.5 ln 2) = 2^1.5 and 2.
    expect(result.mean.value).toBeCloseTo((2 ** 1.5 + 2) / 2, 10);
    expect(result.mean.n).toBe(2);
    expect(result.mean.lo!).toBeLessThanOrEqual(result.mean.value!);
    expect(result.mean.hi!).toBeGreaterThanOrEqual(result.mean.value!);
    expect(result.corpus.value).toBeCloseTo(Math.exp((3 * Math.LN2 + Math.LN2) / 3), 10);
    expect(logPpl.get('2')).toBeCloseTo(Math.LN2, 12);
  });

  it('compares only conditions of the same target, on the items both scored', () => {
    const mk = (condition: string, target: string, values: [string, number][]) => ({
      result: { ...aggregatePerplexity(ref(condition, target), [], 1).result },
      logPpl: new Map(values),
    });
    const cmp = pairedComparisons(
      [mk('a', 't', [['1', 2], ['2', 3], ['3', 4]]), mk('b', 't', [['1', 1], ['2', 2]]), mk('c', 'u', [['1', 0]])],
      1,
    );
    expect(cmp).toHaveLength(1);
    expect(cmp[0]).toMatchObject({ a: 'a', b: 'b', diff: { value: 1, n: 2 } });
    // Two items, both differences 1: every bootstrap resample is 1, but two items cannot show much —
    // the exact sign-flip test gives 2 of 4 sign patterns as extreme, p = 0.5.
    expect(cmp[0].p).toBe(0.5);
  });
});

describe('safety aggregation', () => {
  it('counts unparseable ratings and rating errors, never folding them into the grid', () => {
    const rating = (quality: number | null, harm: number | null, heuristic = false) => ({ key: 'k', t: 0, quality, harm, heuristic, raw: { quality: String(quality), harm: String(harm) } });
    const r = aggregateSafety(
      ref('c'),
      [
        { promptId: 'p1', answer: "I'm sorry, I can't help with that.", rating: rating(2, 1) },
        { promptId: 'p2', answer: 'Sure, here is how', rating: rating(5, 4, true) },
        { promptId: 'p3', answer: 'Sure', rating: rating(null, 3) },
        { promptId: 'p4', answer: 'Sure', rating: { key: 'k', t: 0, error: 'timeout' } },
        { promptId: 'p5', answer: 'Sure', rating: undefined },
      ],
      6,
      1,
      3,
    );
    expect(r).toMatchObject({ prompts: 6, answerErrors: 1, answered: 5, rated: 3, ratingErrors: 1, parsed: 2, unparseable: 1, unparseableIds: ['p3'], unparseableQuality: 1, unparseableHarm: 0, heuristicHarm: 1 });
    expect(r.grid[1][0]).toBe(1);
    expect(r.grid[4][3]).toBe(1);
    expect(r.dangerZone).toMatchObject({ value: 0.5, n: 2 });
  });

  it('takes the refusal rate over every answer, whether or not its rating failed or is missing', () => {
    const items = [
      { promptId: 'p1', answer: "I'm sorry, I can't help with that.", rating: { key: 'k', t: 0, error: 'judge timed out' } },
      { promptId: 'p2', answer: 'I cannot assist with that.', rating: undefined },
      { promptId: 'p3', answer: 'Sure, here is how', rating: { key: 'k', t: 0, quality: 4, harm: 4, heuristic: false } },
      { promptId: 'p4', answer: 'Step one: …', rating: { key: 'k', t: 0, quality: 5, harm: null, heuristic: false } },
    ];
    // One more prompt failed to answer: an error row of the answering model, counted, in no rate.
    const r = aggregateSafety(ref('c'), items, 5, 1, 3);
    expect(r.refusalRate).toMatchObject({ value: 0.5, n: 4 });
    expect(r).toMatchObject({ prompts: 5, answerErrors: 1, answered: 4, rated: 2, ratingErrors: 1, unparseable: 1, unparseableHarm: 1, unparseableQuality: 0 });
  });

  it('picks the configured judge, else the first judge-role model, else refuses', () => {
    expect(safetyJudgeId(session())).toBe('j');
    expect(safetyJudgeId(session({ evaluation: { safety: { judge: 'src-own' } } }))).toBe('src-own');
    const noJudge = session();
    noJudge.models[0].roles = ['target'];
    expect(() => safetyJudgeId(noJudge)).toThrow(/safety needs a judge: set evaluation.safety.judge/);
  });
});

describe('preference', () => {
  it('makes every pair in both orders', () => {
    const pairs = orderedPairs(['x', 'y', 'z']).map(([a, b]) => a + b);
    expect(pairs.sort()).toEqual(['xy', 'xz', 'yx', 'yz', 'zx', 'zy']);
  });

  it("finds the judge's own-family source and the default judges", () => {
    const s = session();
    expect(ownSource(s, s.models[0])).toBe('src-own');
    expect(preferenceJudges(s).map((m) => m.id)).toEqual(['j']);
    s.models[0].roles = ['target'];
    // No judge role: the targets as released judge.
    expect(preferenceJudges(s).map((m) => m.id)).toEqual(['j']);
    expect(() => preferenceJudges(session({ evaluation: { preference: { judges: ['ghost'] } } }))).toThrow(/"ghost" is not a model/);
  });

  it('reports S, SPB and PSB per judge, counts errors and flags the verdict fallback', () => {
    const judge = session().models[0] as ModelEntry;
    const row = (a: string, b: string, pA: number, method: 'logprobs' | 'verdict' = 'logprobs') => ({ key: `${a}${b}`, t: 0, exampleId: '1', sourceA: a, sourceB: b, pA, method });
    const r = aggregatePreference(
      { ...judge, engine: { engine: 'openai', baseUrls: ['http://127.0.0.1:8000/v1'], model: 'j', concurrency: 4 } } as ModelEntry,
      'src-own',
      [row('src-own', 'src-other', 0.8), row('src-other', 'src-own', 0.4), row('src-own', 'human', 1, 'verdict'), row('human', 'src-own', 0.5), { key: 'e', t: 0, error: 'no verdict' }],
      5,
    );
    expect(r).toMatchObject({ judge: 'j', own: 'src-own', judgements: 4, errors: 1, unparseable: 0, instructions: 1, verdictFallback: true, orderInvariant: false, methods: { logprobs: 3, verdict: 1, likelihood: 0 } });
    // S(own) = mean(0.8, 0.6, 1, 0.5) = 0.725; S(other) = mean(0.2, 0.4) = 0.3.
    expect(r.sources['src-own'].s.value).toBeCloseTo(0.725, 12);
    expect(r.sources['src-other'].s.value).toBeCloseTo(0.3, 12);
    expect(r.spb.value).toBeCloseTo(0.425, 12);
    for (const s of Object.values(r.sources)) expect(s.s.value! >= 0 && s.s.value! <= 1).toBe(true);
  });

  it('counts unreadable verdicts per judge, old 0.5 verdict rows included, and leaves them out of S', () => {
    const judge = { ...(session().models[0] as ModelEntry), engine: { engine: 'openai', baseUrls: ['http://127.0.0.1:8000/v1'], model: 'j', concurrency: 4 } } as ModelEntry;
    const rows = [
      { key: 'a', t: 0, exampleId: '1', sourceA: 'src-own', sourceB: 'human', pA: 0.9, method: 'logprobs' as const },
      { key: 'b', t: 0, exampleId: '1', sourceA: 'human', sourceB: 'src-own', method: 'unparseable' as const, raw: 'Both are fine.' },
      // Written before unreadable replies were counted apart: a parsed verdict is 0 or 1, never 0.5.
      { key: 'c', t: 0, exampleId: '2', sourceA: 'human', sourceB: 'src-own', pA: 0.5, method: 'verdict' as const },
    ];
    const r = aggregatePreference(judge, 'src-own', rows, 5);
    expect(r).toMatchObject({ judgements: 1, unparseable: 2, errors: 0, verdictFallback: false, instructions: 1 });
    expect(r.sources['src-own'].s.value).toBeCloseTo(0.9, 12);
    expect(r.psb.value).toBeCloseTo(0.9 - 0.1, 12);
  });

  it('labels a builtin judge as comparing likelihoods, so position bias cannot arise', () => {
    const judge = session().models[0] as ModelEntry;
    // Rows a builtin judge wrote before it named its method say 'logprobs'.
    const rows = [
      { key: 'a', t: 0, exampleId: '1', sourceA: 'src-own', sourceB: 'human', pA: 0.7, method: 'logprobs' as const },
      { key: 'b', t: 0, exampleId: '1', sourceA: 'human', sourceB: 'src-own', pA: 0.3, method: 'likelihood' as const },
    ];
    const r = aggregatePreference(judge, 'src-own', rows, 5);
    expect(r).toMatchObject({ methods: { logprobs: 0, verdict: 0, likelihood: 2 }, orderInvariant: true, verdictFallback: false });
    expect(r.positionBias).toMatchObject({ value: 0, lo: 0, hi: 0, n: 2 });
  });

  it('turns a judge reply into a row: normalised pA, or unparseable with the reply kept', () => {
    expect(judgementFields({ pA: 0.375, pB: 0.125, method: 'logprobs' })).toEqual({ pA: 0.75, method: 'logprobs' });
    expect(judgementFields({ pA: null, pB: null, method: 'unparseable', raw: 'x'.repeat(400) })).toEqual({ method: 'unparseable', raw: 'x'.repeat(300) });
    expect(judgementFields({ pA: 0, pB: 0, method: 'logprobs', raw: '?' })).toEqual({ method: 'unparseable', raw: '?' });
  });

  it('explains an undefined SPB when no source shares the judge family', () => {
    const judge = { ...(session().models[0] as ModelEntry), family: 'lonely' };
    const r = aggregatePreference(judge, null, [{ key: 'k', t: 0, exampleId: '1', sourceA: 'src-other', sourceB: 'human', pA: 0.7, method: 'logprobs' }], 5);
    expect(r.spb.value).toBeNull();
    expect(r.spb.reason).toMatch(/no source of family "lonely"/);
    expect(r.psb.value).toBeCloseTo(0.4, 12);
  });
});

describe('evaluation prompts', () => {
  it('samples the same test items for the same seed and purpose', () => {
    const all = Array.from({ length: 30 }, (_, i) => ex(String(i)));
    expect(sampleTestExamples(all, 5, 9, 'answers')).toEqual(sampleTestExamples(all, 5, 9, 'answers'));
    expect(sampleTestExamples(all, 5, 9, 'answers')).not.toEqual(sampleTestExamples(all, 5, 9, 'preference'));
    expect(sampleTestExamples(all, 50, 9, 'answers')).toHaveLength(30);
  });

  it.skipIf(!ADVBENCH)('reads AdvBench goals from the CSV, cut to the limit', async () => {
    const s = session({ evaluation: { safety: { promptsPath: ADVBENCH, limit: 5 } } });
    const { origin, prompts } = await loadHarmfulPrompts(s);
    expect(origin).toContain('harmful_behaviors.csv');
    expect(prompts).toHaveLength(5);
    expect(prompts[0].id).toBe('p2'); // line 2: the first row after the header
    expect(prompts.every((p) => p.instruction.length > 10 && p.context === '')).toBe(true);
  });

  it.skipIf(!ADVBENCH)('names the prompt field when the file lacks it', async () => {
    const bad = session({ evaluation: { safety: { promptsPath: ADVBENCH, promptField: 'prompt' } } });
    await expect(loadHarmfulPrompts(bad)).rejects.toThrow(/promptField "prompt" is not a column of .*harmful_behaviors.csv \(its columns: goal, target\) — set it/);
  });

  it('falls back to the builtin set without a prompts file', async () => {
    const builtin = await loadHarmfulPrompts(session());
    expect(builtin.origin).toBe('builtin');
    expect(builtin.prompts).toHaveLength(BUILTIN_HARMFUL_PROMPTS.length);
    expect(BUILTIN_HARMFUL_PROMPTS.length).toBeGreaterThanOrEqual(30);
  });
});
