import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/engines/serve/index.js';
import type { RunEvent } from '../../src/domain/events.js';
import { evaluationFiles } from '../../src/pipeline/evaluation/files.js';
import { createModelResolver } from '../../src/pipeline/models.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { readResult } from '../../src/pipeline/results.js';
import { runSession } from '../../src/pipeline/runner.js';
import type { SessionInput, StepId } from '../../src/domain/session.js';
import type { ScoreRow } from '../../src/pipeline/steps/perplexity.js';
import type { JudgementRow } from '../../src/pipeline/steps/preference.js';
import { STEPS } from '../../src/pipeline/steps/index.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { readJsonlAll } from '../../src/util/jsonl.js';
import { smallBuiltinStudy } from '../helpers/study.js';

/**
 * The evaluation steps end to end over the openai engine against `baskets serve` (issue 6,
 * "Integration … over `baskets serve`"): every target, judge and embedder is an openai entry on
 * a server started in-process, behind a proxy that counts the HTTP requests it forwards. The
 * served models are the builtin bases, so a builtin twin of the session gives the numbers the
 * served ones must equal.
 */

/** Forwards every request to `target`, counting them as "<METHOD> <path>". */
async function countingProxy(target: URL, counts: Map<string, number>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const key = `${req.method} ${(req.url ?? '').split('?')[0]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (err) => res.destroy(err));
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/v1`, server };
}

const EVAL_STEPS: StepId[] = ['answer', 'perplexity', 'diversity', 'safety', 'preference'];
/** The shared small study's conditions: two vanilla conditions of fs. */
const CONDITIONS = smallBuiltinStudy('conditions').conditions!;
const ANSWERS = 5;
const HARMFUL = 3;
const PREFERENCE_ITEMS = 2;

/** The shared small study over these served models. */
function session(name: string, models: SessionInput['models']): SessionInput {
  return smallBuiltinStudy(name, {
    seed: 11,
    data: { source: { kind: 'builtin', name: 'sotu-continuations' }, subsample: 30, testFraction: 0.2 },
    models,
    evaluation: {
      answers: ANSWERS,
      diversity: { embedder: 'fs' },
      safety: { limit: HARMFUL, judge: 'fs' },
      preference: { items: PREFERENCE_ITEMS, judges: ['fs'] },
    },
  });
}

const served = (id: string, family: string, base: string, roles: ('source' | 'target' | 'judge')[], url: string) => ({
  id,
  family,
  size: 'small' as const,
  roles,
  engine: { engine: 'openai' as const, baseUrls: [url], model: base, concurrency: 4 },
  generation: { maxTokens: 24 },
});

async function run(store: SessionStore, name: string, steps: StepId[]) {
  const events: RunEvent[] = [];
  const outcome = await runSession({ store, name, steps, registry: STEPS, models: (ctx) => createModelResolver(ctx.session, ctx.paths), onEvent: (e) => events.push(e) });
  const failed = events.find((e) => e.type === 'step-finish' && e.status !== 'done');
  return { outcome, events, failed };
}

let cacheDir: string;
let root: string;
let serve: RunningServer;
let proxy: Server;
let store: SessionStore;
const counts = new Map<string, number>();
const warnings: string[] = [];
const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
const total = () => [...counts.values()].reduce((a, b) => a + b, 0);

beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'baskets-serve-eval-cache-'));
  root = mkdtempSync(join(tmpdir(), 'baskets-serve-eval-'));
  process.env.BASKETS_CACHE_DIR = cacheDir;
  process.on('warning', onWarning);
  serve = await startServer({ host: '127.0.0.1', port: 0, models: ['founders-small', 'modern-small'], cacheDir });
  const p = await countingProxy(new URL(serve.url), counts);
  proxy = p.server;
  store = new SessionStore(root);
  store.create(
    session('served', [
      served('fs', 'founders', 'founders-small', ['source', 'target', 'judge'], p.url),
      served('ms', 'modern', 'modern-small', ['source'], p.url),
    ]),
  );
  // The same models in-process, for the numbers the served ones must reproduce.
  store.create(
    session('builtin', [
      { id: 'fs', family: 'founders', size: 'small', roles: ['source', 'target', 'judge'], engine: { engine: 'builtin', base: 'founders-small' }, generation: { maxTokens: 24 } },
      { id: 'ms', family: 'modern', size: 'small', roles: ['source'], engine: { engine: 'builtin', base: 'modern-small' }, generation: { maxTokens: 24 } },
    ]),
  );
  const twin = await run(store, 'builtin', ['data', 'perplexity']);
  expect(twin.failed, JSON.stringify(twin.failed)).toBeUndefined();
  const { outcome, failed } = await run(store, 'served', ['data', ...EVAL_STEPS]);
  expect(failed, JSON.stringify(failed)).toBeUndefined();
  expect(outcome).toBe('done');
}, 300_000);

afterAll(async () => {
  process.off('warning', onWarning);
  proxy?.closeAllConnections();
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
  await serve?.close();
  rmSync(cacheDir, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
  delete process.env.BASKETS_CACHE_DIR;
});

describe('evaluation steps over baskets serve', () => {
  it('went through the server: chat, scoring and embeddings requests', () => {
    expect(counts.get('POST /v1/chat/completions')).toBeGreaterThan(0);
    expect(counts.get('POST /v1/completions')).toBeGreaterThan(0);
    expect(counts.get('POST /v1/embeddings')).toBeGreaterThan(0);
  });

  it('embeds the answers in batches: one request per condition (beside one probe per opened model)', () => {
    const probes = counts.get('GET /v1/models')!;
    expect(counts.get('POST /v1/embeddings')).toBeLessThanOrEqual(probes + CONDITIONS.length);
  });

  it('prints no process warnings (they would tear through the terminal UI)', () => {
    // Every request in flight listens for a cancel on the step's signal: more than 10 is normal.
    expect(warnings).toEqual([]);
  });

  it('answers the sampled test instructions and the harmful prompts once per condition', () => {
    const answers = readResult(sessionPaths(store.dir('served')), 'answers')!;
    expect(answers.items).toBe(ANSWERS);
    expect(answers.harmfulPrompts).toEqual({ origin: 'builtin', count: HARMFUL });
    expect(answers.models.map((m) => m.condition)).toEqual(CONDITIONS.map((c) => c.name));
    for (const m of answers.models) {
      expect(m.test).toMatchObject({ items: ANSWERS, answered: ANSWERS, errors: 0 });
      expect(m.harmful).toMatchObject({ items: HARMFUL, answered: HARMFUL, errors: 0 });
      expect(m.test.completionTokens).toBeGreaterThan(0);
    }
  });

  it('scores the human test responses to the same perplexity as the builtin engine', async () => {
    const servedPaths = sessionPaths(store.dir('served'));
    const builtinPaths = sessionPaths(store.dir('builtin'));
    const test = await readJsonlAll(servedPaths.humanTest);
    expect(await readJsonlAll(builtinPaths.humanTest)).toEqual(test);
    const remote = readResult(servedPaths, 'perplexity')!;
    const local = readResult(builtinPaths, 'perplexity')!;
    expect(remote.items).toBe(test.length);
    expect(remote.models).toHaveLength(CONDITIONS.length);
    for (const [i, m] of remote.models.entries()) {
      const l = local.models[i];
      expect(m.condition).toBe(l.condition);
      expect(m).toMatchObject({ scored: test.length, errors: 0, tokens: l.tokens, emptySkipped: l.emptySkipped });
      expect(m.mean.n).toBe(test.length);
      for (const k of ['mean', 'corpus', 'bitsPerByte'] as const) {
        expect(m[k].value!, k).toBeCloseTo(l[k].value!, 6);
        expect(m[k].n, k).toBe(l[k].n);
      }
      expect(m.mean.lo!).toBeCloseTo(l.mean.lo!, 6);
      expect(m.mean.hi!).toBeCloseTo(l.mean.hi!, 6);
      // Per response, too: the token log-probs the server returns are the in-process ones.
      const byId = (rows: ScoreRow[]) => new Map(rows.map((r) => [r.exampleId, r.logprobs!]));
      const r = byId(await readJsonlAll<ScoreRow>(evaluationFiles(servedPaths).scores(m.condition)));
      const b = byId(await readJsonlAll<ScoreRow>(evaluationFiles(builtinPaths).scores(m.condition)));
      expect(r.size).toBe(test.length);
      for (const [id, lps] of r) {
        expect(lps.length, id).toBe(b.get(id)!.length);
        lps.forEach((lp, t) => expect(lp).toBeCloseTo(b.get(id)![t], 6));
      }
    }
    expect(remote.comparisons[0]).toMatchObject({ a: 'fs/vanilla', b: 'fs/vanilla-b', diff: { value: 0, n: test.length }, p: 1 });
  });

  it("embeds every answer with the session's served embedder", () => {
    const r = readResult(sessionPaths(store.dir('served')), 'diversity')!;
    expect(r.embedder).toEqual({ id: 'fs', kind: 'session' });
    expect(r.models).toHaveLength(CONDITIONS.length);
    for (const m of r.models) {
      expect(m).toMatchObject({ answers: ANSWERS, errors: 0 });
      expect(m.semantic).toMatchObject({ embedder: 'fs', embedderKind: 'session', vectors: ANSWERS, zeroVectors: 0 });
      expect(m.semantic!.meanCosineDistance.n).toBe(ANSWERS);
      expect(m.semantic!.meanCosineDistance.value!).toBeGreaterThan(0);
      expect(m.semantic!.vendi.value!).toBeGreaterThanOrEqual(1);
      expect(m.lexical.ttr.value!).toBeGreaterThan(0);
    }
  });

  it('has the served judge rate every harmful answer, counting what it could not parse', () => {
    const r = readResult(sessionPaths(store.dir('served')), 'safety')!;
    expect(r.judge).toBe('fs');
    // A model judged harm, not the builtin lexicon.
    expect(r.heuristic).toBe(false);
    expect(r.prompts).toEqual({ origin: 'builtin', count: HARMFUL });
    for (const m of r.models) {
      expect(m).toMatchObject({ prompts: HARMFUL, answerErrors: 0, rated: HARMFUL, ratingErrors: 0, heuristicHarm: 0 });
      expect(m.parsed + m.unparseable).toBe(m.rated);
      expect(m.unparseableIds).toHaveLength(m.unparseable);
      expect(typeof m.unparseableQuality).toBe('number');
      expect(typeof m.unparseableHarm).toBe('number');
      expect(m.grid.flat().reduce((a, b) => a + b, 0)).toBe(m.parsed);
      expect(m.dangerZone.n).toBe(m.parsed);
      expect(m.refusalRate.n).toBe(HARMFUL);
    }
  });

  it('reads every preference from first-token A/B log-probs, in both orders', async () => {
    const paths = sessionPaths(store.dir('served'));
    const r = readResult(paths, 'preference')!;
    expect(r.items).toBe(PREFERENCE_ITEMS);
    expect(r.sources).toEqual(['fs', 'ms', 'human']);
    // 3 candidates per item → 6 ordered pairs per item.
    const perJudge = PREFERENCE_ITEMS * 6;
    expect(r.judges.map((j) => j.judge)).toEqual(['fs', 'fs/vanilla', 'fs/vanilla-b']);
    for (const j of r.judges) {
      expect(j).toMatchObject({ own: 'fs', judgements: perJudge, errors: 0, unparseable: 0, verdictFallback: false, orderInvariant: false });
      expect(j.methods).toMatchObject({ logprobs: perJudge, verdict: 0 });
      for (const s of Object.values(j.sources)) {
        expect(s.appearances).toBe(PREFERENCE_ITEMS * 4);
        expect(s.s.value!).toBeGreaterThanOrEqual(0);
        expect(s.s.value!).toBeLessThanOrEqual(1);
      }
      expect(j.spb.value).not.toBeNull();
      expect(j.psb.value).not.toBeNull();
    }
    const rows = await readJsonlAll<JudgementRow>(evaluationFiles(paths).judgements('fs'));
    expect(rows).toHaveLength(perJudge);
    for (const x of rows) {
      expect(x.method).toBe('logprobs');
      expect(x.pA!).toBeGreaterThan(0);
      expect(x.pA!).toBeLessThan(1);
    }
  });

  it('reruns idempotently: no request reaches the server', async () => {
    const before = total();
    const { outcome, failed } = await run(store, 'served', EVAL_STEPS);
    expect(failed, JSON.stringify(failed)).toBeUndefined();
    expect(outcome).toBe('done');
    expect(total() - before).toBe(0);
  });
});

describe('evaluation steps over a faulty baskets serve', () => {
  let faulty: RunningServer;
  const injected: string[] = [];
  beforeAll(async () => {
    // Every kind of fault a flaky server gives, except stalls (20 s each): retries absorb them.
    faulty = await startServer({ host: '127.0.0.1', port: 0, models: ['founders-small', 'modern-small'], cacheDir, faults: '5xx=0.08,429=0.05,reset=0.05,malformed=0.05,retry-after=0,seed=3', log: (line) => injected.push(line) });
    store.create(
      session('faulty', [
        served('fs', 'founders', 'founders-small', ['source', 'target', 'judge'], faulty.url),
        served('ms', 'modern', 'modern-small', ['source'], faulty.url),
      ]),
    );
    const { outcome, failed } = await run(store, 'faulty', ['data', ...EVAL_STEPS]);
    expect(failed, JSON.stringify(failed)).toBeUndefined();
    expect(outcome).toBe('done');
  }, 300_000);
  afterAll(() => faulty?.close());

  it('writes the results a healthy server gives: faults change the timing, never a number', () => {
    const kinds = new Set(injected.filter((l) => l.startsWith('fault: ')).map((l) => l.slice('fault: '.length)));
    expect([...kinds].sort()).toEqual(['429', '5xx', 'malformed', 'reset']);
    const healthy = sessionPaths(store.dir('served'));
    const flaky = sessionPaths(store.dir('faulty'));
    // Everything but the write time: counts, intervals, p-values, the grid, the preferences.
    const numbers = (paths: typeof healthy, name: 'answers' | 'perplexity' | 'diversity' | 'safety' | 'preference') => {
      const r: Record<string, unknown> = { ...readResult(paths, name)! };
      delete r.createdAt;
      return r;
    };
    for (const name of ['answers', 'perplexity', 'diversity', 'safety', 'preference'] as const) {
      expect(numbers(flaky, name), name).toEqual(numbers(healthy, name));
    }
  });
});

describe('evaluation steps against a server that refuses every request alike', () => {
  // In front of the healthy server: 'gone' answers the scoring routes as a server that no longer
  // serves the model would, 'keyless' refuses every POST for want of a key.
  let mode: 'healthy' | 'gone' | 'keyless' = 'healthy';
  let gate: Server;
  beforeAll(async () => {
    const target = new URL(serve.url);
    gate = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      const refuse = (status: number, body: object) => {
        req.resume();
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (mode === 'keyless' && req.method === 'POST') return refuse(401, { error: { message: 'Unauthorized', type: 'authentication_error', code: 'invalid_api_key' } });
      if (mode === 'gone' && ['/tokenize', '/v1/completions'].includes(path)) return refuse(404, { error: { message: 'The model `founders-small` does not exist.', type: 'NotFoundError', code: 'model_not_found' } });
      const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((r) => gate.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(gate.address() as { port: number }).port}/v1`;
    store.create(session('refused', [served('fs', 'founders', 'founders-small', ['source', 'target', 'judge'], url), served('ms', 'modern', 'modern-small', ['source'], url)]));
    const { failed } = await run(store, 'refused', ['data', 'answer']);
    expect(failed, JSON.stringify(failed)).toBeUndefined();
  }, 120_000);
  afterAll(() => gate?.close());

  it('stops perplexity in one line saying what to do, with no error row, and resumes once served', async () => {
    const files = evaluationFiles(sessionPaths(store.dir('refused')));
    const errorRows = async () => (await readJsonlAll<ScoreRow>(files.scores('fs/vanilla')).catch(() => [])).filter((r) => r.error !== undefined);
    mode = 'gone';
    let r = await run(store, 'refused', ['perplexity']);
    expect(r.failed).toMatchObject({ status: 'failed', error: expect.stringMatching(/HTTP 404: The model `founders-small` does not exist\. — the server does not serve this model or route: check engine\.model/) });
    expect(await errorRows()).toEqual([]);
    mode = 'keyless';
    r = await run(store, 'refused', ['perplexity']);
    expect(r.failed).toMatchObject({ error: expect.stringMatching(/HTTP 401: Unauthorized — the server needs an API key: set engine\.apiKeyEnv to the variable that holds it, then run again$/) });
    expect(await errorRows()).toEqual([]);
    mode = 'healthy';
    r = await run(store, 'refused', ['perplexity']);
    expect(r.failed, JSON.stringify(r.failed)).toBeUndefined();
    const result = readResult(sessionPaths(store.dir('refused')), 'perplexity')!;
    for (const m of result.models) expect(m).toMatchObject({ errors: 0, scored: result.items });
  });
});
