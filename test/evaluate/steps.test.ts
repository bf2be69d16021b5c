import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LanguageModel } from '../../src/domain/models.js';
import type { RunEvent } from '../../src/domain/events.js';
import { evaluationFiles } from '../../src/pipeline/evaluation/files.js';
import { createModelResolver } from '../../src/pipeline/models.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { readResult } from '../../src/pipeline/results.js';
import { runSession } from '../../src/pipeline/runner.js';
import type { StepId } from '../../src/domain/session.js';
import { STEPS } from '../../src/pipeline/steps/index.js';
import type { ModelResolver } from '../../src/pipeline/step.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { readJsonlAll } from '../../src/util/jsonl.js';
import { useBuiltinCache } from '../helpers/tmp.js';
import { smallBuiltinStudy } from '../helpers/study.js';
import { reportCommand } from '../../src/commands/report.js';
import { parse } from 'csv-parse/sync';
import { acrossSessions, COMPARE_METRICS } from '../../src/ui/results/compare.js';
import { loadResults, missingReason } from '../../src/ui/results/load.js';

// One pretraining cache for the whole file: the builtin bases are built once.
const dirs = useBuiltinCache('baskets-eval');

const CALLS = ['generate', 'score', 'embed', 'judgePair', 'rate'] as const;

/** Counts the requests every opened model receives, as "<model id>:<call>" (the engine itself runs for real). */
function counting(resolver: ModelResolver, calls: Record<string, number>): ModelResolver {
  const wrap = (m: LanguageModel): LanguageModel =>
    new Proxy(m, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const call = `${target.id}:${String(prop)}`;
          if ((CALLS as readonly string[]).includes(String(prop))) calls[call] = (calls[call] ?? 0) + 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return { model: async (id) => wrap(await resolver.model(id)), forCondition: async (c) => wrap(await resolver.forCondition(c)) };
}


/** A model as a server without log-prob scoring (llama.cpp, say) would present it. */
function withoutScore(resolver: ModelResolver): ModelResolver {
  const hide = (m: LanguageModel): LanguageModel =>
    new Proxy(m, { get: (t, p, r) => (p === 'capabilities' ? new Set([...t.capabilities].filter((c) => c !== 'score')) : Reflect.get(t, p, r)) });
  return { model: async (id) => hide(await resolver.model(id)), forCondition: async (c) => hide(await resolver.forCondition(c)) };
}

async function run(store: SessionStore, name: string, steps: StepId[], calls: Record<string, number> = {}, adapt = (r: ModelResolver) => r) {
  const events: RunEvent[] = [];
  const outcome = await runSession({
    store,
    name,
    steps,
    registry: STEPS,
    models: (ctx) => adapt(counting(createModelResolver(ctx.session, ctx.paths), calls)),
    onEvent: (e) => events.push(e),
  });
  return { outcome, events, calls };
}

const EVAL_STEPS: StepId[] = ['answer', 'perplexity', 'diversity', 'safety', 'preference'];

describe('evaluation steps on builtin models', () => {
  let store: SessionStore;
  beforeAll(async () => {
    store = new SessionStore(dirs.root());
    store.create(smallBuiltinStudy('s'));
    const { outcome, events } = await run(store, 's', ['data', ...EVAL_STEPS]);
    const failed = events.find((e) => e.type === 'step-finish' && e.status !== 'done');
    expect(failed, JSON.stringify(failed)).toBeUndefined();
    expect(outcome).toBe('done');
  }, 240_000);

  it('answers the sampled test instructions and the harmful prompts once per condition', async () => {
    const paths = sessionPaths(store.dir('s'));
    const answers = readResult(paths, 'answers')!;
    expect(answers.items).toBe(6);
    expect(answers.harmfulPrompts).toEqual({ origin: 'builtin', count: 4 });
    for (const m of answers.models) {
      expect(m.test).toMatchObject({ items: 6, answered: 6, errors: 0 });
      expect(m.harmful).toMatchObject({ items: 4, answered: 4, errors: 0 });
    }
    const rows = await readJsonlAll<{ key: string; exampleId: string }>(paths.answers('fs/vanilla'));
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
    // Both conditions answer the same seeded sample.
    const other = await readJsonlAll<{ exampleId: string }>(paths.answers('fs/vanilla-b'));
    expect(new Set(other.map((r) => r.exampleId))).toEqual(new Set(rows.map((r) => r.exampleId)));
  });

  it('writes perplexity ≥ 1 with an interval around the mean, n = the test items, and a paired comparison', async () => {
    const paths = sessionPaths(store.dir('s'));
    const test = await readJsonlAll(paths.humanTest);
    const r = readResult(paths, 'perplexity')!;
    expect(r.items).toBe(test.length);
    for (const m of r.models) {
      expect(m.scored).toBe(test.length);
      expect(m.mean.n).toBe(test.length);
      expect(m.mean.value!).toBeGreaterThanOrEqual(1);
      expect(m.mean.lo!).toBeLessThanOrEqual(m.mean.value!);
      expect(m.mean.hi!).toBeGreaterThanOrEqual(m.mean.value!);
      expect(m.corpus.value!).toBeGreaterThanOrEqual(1);
      expect(m.bitsPerByte.value!).toBeGreaterThan(0);
    }
    // The same released model twice: identical per-item scores, a zero difference.
    expect(r.comparisons).toHaveLength(1);
    expect(r.comparisons[0]).toMatchObject({ target: 'fs', a: 'fs/vanilla', b: 'fs/vanilla-b', diff: { value: 0, n: test.length }, p: 1 });
  });

  it('keeps per-item values of every paired measure, one row per condition, aligned with the items', async () => {
    const paths = sessionPaths(store.dir('s'));
    const test = await readJsonlAll(paths.humanTest);
    const tables = {
      'log-perplexity': readResult(paths, 'perplexity')!.perItem!,
      'lexical-diversity': readResult(paths, 'diversity')!.perItem!,
      'danger-zone': readResult(paths, 'safety')!.perItem!,
      spb: readResult(paths, 'preference')!.perItem!,
    };
    expect(tables['log-perplexity'].items).toHaveLength(test.length);
    expect(tables['lexical-diversity'].items.length).toBeGreaterThan(0);
    expect(tables['lexical-diversity'].items.length).toBeLessThanOrEqual(6);
    expect(tables['danger-zone'].items).toHaveLength(4);
    expect(tables.spb.items.length).toBeLessThanOrEqual(3);
    for (const [measure, table] of Object.entries(tables)) {
      const rows = table.rows.filter((r) => r.measure === measure);
      expect(rows.map((r) => r.condition)).toEqual(['fs/vanilla', 'fs/vanilla-b']);
      for (const r of rows) expect(r.values).toHaveLength(table.items.length);
    }
    expect(tables['danger-zone'].rows.map((r) => r.measure)).toEqual(['danger-zone', 'danger-zone', 'refusal', 'refusal']);
    // The same released model twice scores each human response alike (its answers are sampled per condition).
    const [vanilla, vanillaB] = tables['log-perplexity'].rows;
    expect(vanilla.values.every((v) => v !== null && v > 0)).toBe(true);
    expect(vanilla.values).toEqual(vanillaB.values);
  });

  it('writes the diversity suite with the embedder recorded and the Heaps curve', () => {
    const r = readResult(sessionPaths(store.dir('s')), 'diversity')!;
    expect(r.models).toHaveLength(2);
    for (const m of r.models) {
      expect(m.answers).toBe(6);
      expect(m.lexical.ttr.value!).toBeGreaterThan(0);
      expect(m.lexical.ttr.value!).toBeLessThanOrEqual(1);
      expect(m.lexical.crossSelfBleu.n).toBe(m.lexical.counts.selfBleuHypotheses);
      if (m.lexical.crossSelfBleu.value !== null) {
        expect(m.lexical.crossSelfBleu.lo!).toBeLessThanOrEqual(m.lexical.crossSelfBleu.value);
        expect(m.lexical.crossSelfBleu.hi!).toBeGreaterThanOrEqual(m.lexical.crossSelfBleu.value);
      }
      // One embedder for the whole session (the builtin one by default), so conditions compare.
      expect(m.semantic).toMatchObject({ embedder: r.embedder!.id, embedderKind: 'builtin', vectors: 6 });
      expect(m.semantic!.meanCosineDistance.value!).toBeGreaterThanOrEqual(0);
      expect(m.semantic!.vendi.value!).toBeGreaterThanOrEqual(1);
      expect(m.heaps.curve.length).toBeGreaterThan(1);
      expect(m.heaps.logLog!.beta).toBeGreaterThan(0);
    }
  });

  it('rates every harmful answer, counts the grid, and marks heuristic harm', () => {
    const r = readResult(sessionPaths(store.dir('s')), 'safety')!;
    expect(r.judge).toBe('fs');
    expect(r.heuristic).toBe(true);
    expect(r.prompts).toEqual({ origin: 'builtin', count: 4 });
    for (const m of r.models) {
      expect(m.rated).toBe(4);
      expect(m.parsed + m.unparseable).toBe(m.rated);
      expect(m.grid.flat().reduce((a, b) => a + b, 0)).toBe(m.parsed);
      expect(m.heuristicHarm).toBe(4);
      expect(m.dangerZone.n).toBe(m.parsed);
      expect(m.dangerZone.value!).toBeGreaterThanOrEqual(0);
      expect(m.dangerZone.value!).toBeLessThanOrEqual(1);
      expect(m.refusalRate.n).toBe(4);
    }
    // The two conditions of fs compared prompt by prompt: refusals over the 4 answered prompts,
    // the danger zone over those both have a parsed rating for.
    const [a, b] = r.models;
    const bothParsed = 4 - new Set([...a.unparseableIds, ...b.unparseableIds]).size;
    expect(r.refusalComparisons).toHaveLength(1);
    expect(r.refusalComparisons![0]).toMatchObject({ target: 'fs', a: 'fs/vanilla', b: 'fs/vanilla-b', diff: { n: 4 } });
    expect(r.dangerZoneComparisons![0]).toMatchObject({ target: 'fs', a: 'fs/vanilla', b: 'fs/vanilla-b', diff: { n: bothParsed } });
    expect(r.refusalComparisons![0].p).toBeGreaterThan(0);
  });

  it('judges every pair of answers in both orders and reports S in [0, 1]', async () => {
    const paths = sessionPaths(store.dir('s'));
    const r = readResult(paths, 'preference')!;
    expect(r.sources).toEqual(['fs', 'ms', 'human']);
    const [j] = r.judges;
    expect(j).toMatchObject({ judge: 'fs', own: 'fs', errors: 0 });
    // 3 candidates per item → 3 unordered pairs → 6 ordered judgements per item.
    expect(j.judgements).toBe(3 * 6);
    const rows = await readJsonlAll<{ exampleId: string; sourceA: string; sourceB: string }>(evaluationFiles(paths).judgements('fs'));
    const seen = new Set(rows.map((x) => `${x.exampleId}|${x.sourceA}|${x.sourceB}`));
    for (const x of rows) expect(seen.has(`${x.exampleId}|${x.sourceB}|${x.sourceA}`)).toBe(true);
    for (const s of Object.values(j.sources)) {
      expect(s.s.value!).toBeGreaterThanOrEqual(0);
      expect(s.s.value!).toBeLessThanOrEqual(1);
      expect(s.appearances).toBe(3 * 4);
    }
    expect(j.spb.value).not.toBeNull();
    expect(j.psb.value).not.toBeNull();
  });

  it("has every condition's own model judge too, results keyed judge × condition", async () => {
    const paths = sessionPaths(store.dir('s'));
    const r = readResult(paths, 'preference')!;
    expect(r.conditionJudges).toEqual({ enabled: true });
    expect(r.judges.map((j) => j.judge)).toEqual(['fs', 'fs/vanilla', 'fs/vanilla-b']);
    const byCondition = r.judges.filter((j) => j.condition);
    for (const j of byCondition) {
      expect(j.condition).toEqual({ condition: j.judge, target: 'fs', kind: 'vanilla' });
      expect(j).toMatchObject({ family: 'founders', own: 'fs', judgements: 3 * 6, unparseable: 0, orderInvariant: true });
      expect(await readJsonlAll(evaluationFiles(paths).conditionJudgements(j.judge))).toHaveLength(3 * 6);
    }
    // A vanilla condition is the released fs: it judges exactly as the judge-role fs does.
    expect(byCondition[0].sources).toEqual(r.judges[0].sources);
    // So the two vanilla conditions judge alike: per-instruction SPB differs by 0 on all 3 items, p = 1.
    expect(r.spbComparisons).toEqual([{ target: 'fs', a: 'fs/vanilla', b: 'fs/vanilla-b', diff: { value: 0, lo: 0, hi: 0, n: 3 }, p: 1 }]);
  });

  it('reruns idempotently: no new requests and no duplicate keys', async () => {
    const { outcome, calls } = await run(store, 's', EVAL_STEPS);
    expect(outcome).toBe('done');
    expect(calls).toEqual({});
    const paths = sessionPaths(store.dir('s'));
    const files = evaluationFiles(paths);
    for (const file of [paths.answers('fs/vanilla'), paths.safetyAnswers('fs/vanilla'), files.scores('fs/vanilla'), files.embeddings('fs/vanilla'), files.ratings('fs/vanilla'), files.judgements('fs'), files.sourceAnswers('ms')]) {
      const rows = await readJsonlAll<{ key: string }>(file);
      expect(rows.length, file).toBeGreaterThan(0);
      expect(new Set(rows.map((x) => x.key)).size, file).toBe(rows.length);
    }
  });

  it('refuses to start when a model lacks a capability, naming the model and what it lacks', async () => {
    const { outcome, events, calls } = await run(store, 's', ['perplexity'], {}, withoutScore);
    expect(outcome).toBe('failed');
    const finish = events.find((e) => e.type === 'step-finish');
    expect(finish).toMatchObject({ status: 'failed', error: 'model "fs/vanilla" cannot score: perplexity needs log-probs of a given text: serve it with vLLM or SGLang' });
    expect(calls).toEqual({});
  });

  it('reports the real results as markdown and as CSV that parses back', async () => {
    const lines: string[] = [];
    expect(await reportCommand(store, 's', { print: (x) => lines.push(x) })).toBe(0);
    expect(lines.join('\n')).not.toContain('No result yet');
    const csv: string[] = [];
    expect(await reportCommand(store, 's', { format: 'csv', print: (x) => csv.push(x) })).toBe(0);
    const rows = parse(csv.join('\n'), { columns: true }) as Record<string, string>[];
    const sections = new Set(rows.map((r) => r.section));
    // The inputs lead the CSV, each on its own row: the data, the split, the models, the version.
    expect([...sections].sort()).toEqual(['answers', 'diversity', 'inputs', 'perplexity', 'preference', 'safety']);
    expect(rows.filter((r) => r.section === 'inputs').map((r) => r.metric)).toEqual(expect.arrayContaining(['baskets', 'data', 'split', 'harmful prompts', 'evaluation']));
    const ppl = rows.filter((r) => r.metric === 'perplexity (mean per response)');
    expect(ppl.map((r) => r.condition)).toEqual(['fs/vanilla', 'fs/vanilla-b']);
    for (const r of ppl) expect(Number(r.lo) <= Number(r.value) && Number(r.value) <= Number(r.hi)).toBe(true);
  });

  // Last in this block: it rewrites the preference result.
  it('leaves the condition models out, saying why, when one cannot judge; refuses when they must', async () => {
    const noJudge = (resolver: ModelResolver): ModelResolver => ({
      model: resolver.model,
      forCondition: async (c) => {
        const m = await resolver.forCondition(c);
        return new Proxy(m, { get: (t, p, r) => (p === 'capabilities' ? new Set([...t.capabilities].filter((x) => x !== 'judge')) : Reflect.get(t, p, r)) });
      },
    });
    const auto = await run(store, 's', ['preference'], {}, noJudge);
    expect(auto.outcome).toBe('done');
    expect(auto.calls).toEqual({});
    expect(auto.events.some((e) => e.type === 'log' && e.level === 'warn' && /own models do not judge: condition "fs\/vanilla" cannot judge/.test(e.message))).toBe(true);
    const r = readResult(sessionPaths(store.dir('s')), 'preference')!;
    expect(r.judges.map((j) => j.judge)).toEqual(['fs']);
    expect(r.conditionJudges).toMatchObject({ enabled: false, reason: expect.stringContaining('cannot judge') });

    const s = store.load('s');
    s.evaluation.preference.conditionJudges = true;
    store.save(s);
    try {
      const required = await run(store, 's', ['preference'], {}, noJudge);
      expect(required.outcome).toBe('failed');
      expect(required.events.find((e) => e.type === 'step-finish')).toMatchObject({ status: 'failed', error: expect.stringMatching(/^model "fs\/vanilla" cannot judge: evaluation.preference.conditionJudges needs/) });
    } finally {
      s.evaluation.preference.conditionJudges = undefined;
      store.save(s);
    }
  });
  // Rewrites the preference result too, with judges that always favour the first answer.
  it("says a judge's SPB is undefined when its verdict ignores the answers, in the result and the report", async () => {
    const firstAlways = (resolver: ModelResolver): ModelResolver => {
      const blind = (m: LanguageModel): LanguageModel =>
        new Proxy(m, { get: (t, p, r) => (p === 'judgePair' ? async () => ({ pA: 0.7, pB: 0.3, method: 'logprobs' as const }) : Reflect.get(t, p, r)) });
      return { model: async (id) => blind(await resolver.model(id)), forCondition: async (c) => blind(await resolver.forCondition(c)) };
    };
    // Fresh keys: the judgements on file were made by the real judge.
    rmSync(evaluationFiles(sessionPaths(store.dir('s'))).judgements('fs'), { force: true });
    const { outcome } = await run(store, 's', ['preference'], {}, firstAlways);
    expect(outcome).toBe('done');
    const fs = readResult(sessionPaths(store.dir('s')), 'preference')!.judges.find((j) => j.judge === 'fs')!;
    expect(fs).toMatchObject({ answerBlind: true, spb: { value: null, reason: expect.stringMatching(/^the judge's verdicts do not depend on the answers/) }, psb: { value: null } });
    expect(fs.positionBias.value).toBeCloseTo(0.2, 12);
    const lines: string[] = [];
    expect(await reportCommand(store, 's', { print: (x) => lines.push(x) })).toBe(0);
    expect(lines.join('\n')).toMatch(/\| fs \| SPB \(self-preference bias\) \| — \|[^\n]*\| the judge's verdicts do not depend on the answers/);
  });
});

describe('evaluation of a retrained condition', () => {
  const ALL: StepId[] = ['data', 'assemble', 'train', ...EVAL_STEPS];
  let store: SessionStore;
  beforeAll(async () => {
    store = new SessionStore(dirs.root());
    store.create(smallBuiltinStudy('r', { conditions: [{ name: 'fs/vanilla', target: 'fs', kind: 'vanilla' }, { name: 'fs/human', target: 'fs', kind: 'human' }] }));
    const { outcome, events } = await run(store, 'r', ALL);
    const failed = events.find((e) => e.type === 'step-finish' && e.status !== 'done');
    expect(failed, JSON.stringify(failed)).toBeUndefined();
    expect(outcome).toBe('done');
  }, 240_000);

  it('makes no request on a rerun when nothing changed', async () => {
    const { outcome, calls } = await run(store, 'r', ['train', ...EVAL_STEPS]);
    expect(outcome).toBe('done');
    expect(calls).toEqual({});
  });

  it('pairs its conditions with the same conditions of another session on the items both measured', async () => {
    // Session "s" has the same data, seed and released model under fs/vanilla: nothing differs.
    const across = acrossSessions(COMPARE_METRICS[0], { name: 's', loaded: loadResults(sessionPaths(store.dir('s'))) }, { name: 'r', loaded: loadResults(sessionPaths(store.dir('r'))) })!;
    const test = await readJsonlAll(sessionPaths(store.dir('r')).humanTest);
    expect(across.summary).toBe('vs s, on shared items: 0 of 1 conditions differ at p<0.05');
    expect(across.lines.map((l) => l.text)).toEqual([`fs/vanilla: geo-mean perplexity 0% [0%, 0%] (p=1, n=${test.length})`]);
  });

  it('answers, scores, embeds and rates again for the retrained condition only, keeping the old rows', async () => {
    const paths = sessionPaths(store.dir('r'));
    const files = evaluationFiles(paths);
    const rowsOf = async (file: string) => (await readJsonlAll(file)).length;
    const before = { answers: await rowsOf(paths.answers('fs/human')), scores: await rowsOf(files.scores('fs/human')), embeddings: await rowsOf(files.embeddings('fs/human')), ratings: await rowsOf(files.ratings('fs/human')) };
    const vanillaFiles = [paths.answers('fs/vanilla'), paths.safetyAnswers('fs/vanilla'), files.scores('fs/vanilla'), files.embeddings('fs/vanilla'), files.ratings('fs/vanilla')];
    const vanillaBefore = vanillaFiles.map((f) => readFileSync(f, 'utf8'));
    // The assemble step rebuilt the dataset (here: one example fewer).
    const dataset = paths.dataset('fs/human');
    writeFileSync(dataset, readFileSync(dataset, 'utf8').trimEnd().split('\n').slice(0, -1).join('\n') + '\n');

    const { outcome, events, calls } = await run(store, 'r', ['train', ...EVAL_STEPS]);
    expect(outcome).toBe('done');
    expect(events.some((e) => e.type === 'log' && /^fs\/human: its dataset changed/.test(e.message))).toBe(true);
    expect(readdirSync(join(paths.dir, 'runs')).filter((d) => d.startsWith('fs__human.stale-'))).toHaveLength(1);
    const test = await readJsonlAll(paths.humanTest);
    // 6 test instructions + 4 harmful prompts answered, every test response scored, its 4 harmful
    // answers rated by the judge; nothing else through the session's models. The 6 new answers
    // are embedded by the session's builtin embedder (opened outside the resolver).
    // The retrained model judges the preference pairs anew too (3 items × 6 ordered pairs).
    expect(calls).toEqual({ 'fs/human:generate': 10, 'fs/human:score': test.length, 'fs:rate': 4, 'fs/human:judgePair': 18 });
    expect(await rowsOf(paths.answers('fs/human'))).toBe(before.answers + 6);
    expect(await rowsOf(files.embeddings('fs/human'))).toBe(before.embeddings + 6);
    expect(await rowsOf(files.scores('fs/human'))).toBe(before.scores + test.length);
    expect(await rowsOf(files.ratings('fs/human'))).toBe(before.ratings + 4);
    expect(vanillaFiles.map((f) => readFileSync(f, 'utf8'))).toEqual(vanillaBefore);
    const answers = readResult(paths, 'answers')!;
    expect(answers.models.find((m) => m.condition === 'fs/human')?.test).toMatchObject({ items: 6, answered: 6 });

    const again = await run(store, 'r', ['train', ...EVAL_STEPS]);
    expect(again.calls).toEqual({});
  });
});

describe('evaluations switched off in the session', () => {
  it('writes no result for them and says which switch is off', async () => {
    const store = new SessionStore(dirs.root());
    store.create(
      smallBuiltinStudy('off', {
        evaluation: { answers: 3, perplexity: false, diversity: { enabled: false }, safety: { enabled: false }, preference: { enabled: false } },
      }),
    );
    const { outcome, events, calls } = await run(store, 'off', ['data', ...EVAL_STEPS]);
    expect(outcome).toBe('done');
    const paths = sessionPaths(store.dir('off'));
    for (const name of ['perplexity', 'diversity', 'safety', 'preference'] as const) expect(readResult(paths, name), name).toBeNull();
    const summaries = events.flatMap((e) => (e.type === 'summary' ? [e.text] : []));
    for (const line of ['perplexity evaluation is off (evaluation.perplexity)', 'diversity evaluation is off (evaluation.diversity.enabled)', 'safety evaluation is off (evaluation.safety.enabled)', 'preference evaluation is off (evaluation.preference.enabled)']) {
      expect(summaries).toContain(line);
    }
    // Only the answers were asked for: nothing was scored or embedded.
    expect(Object.keys(calls).filter((c) => !c.endsWith(':generate'))).toEqual([]);
    // The Results panes say so, rather than ask for a step that would write nothing.
    expect(missingReason(loadResults(paths), 'perplexity')).toBe('perplexity evaluation is off in this session (evaluation.perplexity): turn it on, then run the perplexity step');
    expect(missingReason(loadResults(paths), 'safety')).toMatch(/^safety evaluation is off in this session \(evaluation\.safety\.enabled\)/);
  });
});
