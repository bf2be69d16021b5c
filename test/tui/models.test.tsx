import { cleanup } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorkerReady } from '../../src/engines/hf/index.js';
import type { ServerProbe } from '../../src/engines/openai/index.js';
import type { ModelEntry } from '../../src/domain/session.js';
import { SessionStore } from '../../src/pipeline/store.js';
import type { Services } from '../../src/ui/context.js';
import { KEYS, renderApp, tempSessionsDir } from './render.js';

const URL_GOOD = 'http://127.0.0.1:8000/v1';
const URL_DEAD = 'http://127.0.0.1:9/v1';
const CLEAR = '\u0015';
const down = (n: number) => Array<string>(n).fill(KEYS.down);
const up = (n: number) => Array<string>(n).fill(KEYS.up);

// A served model whose name carries an OSC 52 clipboard write and a CSI clear-screen.
const EVIL_NAME = 'evil\u001b]52;c;cm0gLXJmIH4=\u0007-model\u001b[2J';

function probeOf(probedAt: string): ServerProbe {
  return {
    baseUrl: URL_GOOD,
    server: 'llama.cpp',
    probedAt,
    models: [
      { model: 'chat-only', chat: true, streaming: true, chatLogprobs: false, tokenize: false, scoring: null, embeddings: false, contextLength: 4096, notes: [] },
      { model: EVIL_NAME, chat: true, streaming: true, chatLogprobs: true, tokenize: true, scoring: 'prompt_logprobs', embeddings: true, contextLength: 32768, notes: [] },
    ],
  };
}

/** A probe service whose answer the test releases, recording what it was asked. */
function deferredProbe() {
  const calls: { baseUrl: string; refresh?: boolean; signal?: AbortSignal }[] = [];
  let release: (p: ServerProbe) => void = () => {};
  const probeServer: Services['probeServer'] = (baseUrl, opts) => {
    calls.push({ baseUrl, refresh: opts.refresh, signal: opts.signal });
    return new Promise((resolve) => (release = resolve));
  };
  return { calls, probeServer, release: (p: ServerProbe) => release(p) };
}

/** From the sessions list to the Models cell of a new session, with the engine switched to openai. */
async function openaiModelsCell(app: Awaited<ReturnType<typeof renderApp>>, name: string) {
  await app.press('n', name, KEYS.enter, KEYS.tab);
  await app.waitFor('[2] Models');
  await app.press(KEYS.enter); // engine → openai
  await app.waitFor('base URL');
}

describe('Models cell: probing an OpenAI-compatible server', () => {
  let tmp: ReturnType<typeof tempSessionsDir>;
  beforeEach(() => (tmp = tempSessionsDir()));
  afterEach(() => {
    cleanup();
    tmp.cleanup();
  });

  it('probes the base URL, shows the sanitised table, and picks a served model that says what it cannot do', async () => {
    const fake = deferredProbe();
    const app = await renderApp({ sessionsDir: tmp.dir, columns: 120, services: { probeServer: fake.probeServer } });
    await openaiModelsCell(app, 'probed');
    // Rows: engine, endpoint, base URL, model name, API key env, …
    await app.press(...down(2), KEYS.enter, URL_GOOD, KEYS.enter);
    await app.waitFor('not probed yet: p lists');

    await app.press('p');
    await app.waitFor('probing the server');
    expect(fake.calls).toEqual([{ baseUrl: URL_GOOD, refresh: false, signal: expect.any(AbortSignal) }]);
    fake.release(probeOf(new Date().toISOString()));
    await app.waitFor('chat logprobs');
    expect(app.frame()).toMatch(/chat-only\s+yes\s+yes\s+no\s+no\s+no\s+4096/);
    expect(app.frame()).toMatch(/evil-model\s+yes\s+yes\s+yes\s+prompt_logprobs\s+yes\s+32768/);
    expect(app.frame()).toContain('probed just now');
    expect(app.frame()).not.toContain('cached');
    expect(app.raw()).not.toContain(']52;');
    expect(app.raw()).not.toContain('\u001b[2J');
    expect(app.raw()).not.toContain('\u0007');

    // The "served models" row (below the model name) cycles through the probed names.
    await app.waitFor('pick a model on the "served models" row');
    await app.press(KEYS.down, KEYS.down, KEYS.enter);
    await app.waitFor('chat-only cannot score a given text: perplexity needs vLLM or SGLang');
    expect(app.frame()).toContain('chat-only returns no chat log-probs');
    expect(app.frame()).toContain('chat-only serves no embeddings');
    expect(app.frame()).toMatch(/model name\s+chat-only/);
    // The id and family follow the picked model, never staying those of the one before.
    expect(app.frame()).toMatch(/id\s+chat-only/);
    expect(app.frame()).toMatch(/family\s+chat\b/);
    await app.press(KEYS.enter);
    await app.waitFor('evil-model can serve every evaluation');
    expect(app.frame()).toMatch(/id\s+evil-/); // the served name's escape codes are no id characters
    expect(app.frame()).toMatch(/family\s+evil\b/);
    expect(app.raw()).not.toContain(']52;');

    // Trainer: an openai target starts with none, flagged; hf takes the served model as its base.
    await app.press(KEYS.enter);
    await app.waitFor('chat-only cannot score');
    // Rows on: API key env, id, family, size, roles, trainer.
    await app.press(...down(2), KEYS.enter, CLEAR, 'served', KEYS.enter);
    await app.waitFor(/trainer\s+none .*no trainer: the train step will refuse this target/);
    await app.press(...down(4), KEYS.enter);
    await app.waitFor(/trainer\s+hf/);
    expect(app.frame()).toMatch(/base model\s+chat-only/);
    await app.press('a');
    await app.waitFor('added served');
    // The list sits below the form's generation and serving rows.
    await app.press(...down(30));
    await app.waitFor(/served .*via chat-only @ http:\/\/127\.0\.0\.1:8000\/v1, trainer hf/);
  });

  it('keeps the end of a value too long for the row in view while it is typed, where the cursor is', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir, columns: 80 });
    await openaiModelsCell(app, 'longurl');
    const url = 'http://gpu-box-with-a-long-name.internal.example.org:8000/v1/with/a/path/END';
    await app.press(...down(2), KEYS.enter, CLEAR, url);
    const row = app.frame().split('\n').find((l) => l.includes('base URL'))!;
    expect(row).toContain('/a/path/END');
    expect(row).toContain('…');
    expect(row.length).toBeLessThanOrEqual(80);
  });

  it('shows a cached probe at once with its age, and refreshes it with P', async () => {
    const fake = deferredProbe();
    const cachedAt = new Date(Date.now() - 5 * 60_000).toISOString();
    const app = await renderApp({
      sessionsDir: tmp.dir,
      services: { probeServer: fake.probeServer, readCachedProbe: (url) => (url === URL_GOOD ? probeOf(cachedAt) : null) },
    });
    await openaiModelsCell(app, 'cached');
    await app.press(...down(2), KEYS.enter, URL_GOOD, KEYS.enter);
    await app.waitFor('probed 5m ago');
    expect(app.frame()).toContain('cached; P probes again');
    expect(app.frame()).toContain('chat-only');
    expect(fake.calls).toEqual([]);

    await app.press('P');
    await app.waitFor('probing the server');
    expect(fake.calls.map((c) => c.refresh)).toEqual([true]);
    fake.release(probeOf(new Date().toISOString()));
    await app.waitFor('probed just now');
    expect(app.frame()).not.toContain('cached;');
  });

  it('fits a long model list into a short terminal, as a window around the chosen model', async () => {
    const many = probeOf(new Date().toISOString());
    many.models = Array.from({ length: 12 }, (_, i) => ({ ...many.models[0], model: `m${String(i).padStart(2, '0')}` }));
    const app = await renderApp({ sessionsDir: tmp.dir, rows: 24, services: { readCachedProbe: () => many } });
    await openaiModelsCell(app, 'many');
    await app.press(...down(2), KEYS.enter, URL_GOOD, KEYS.enter);
    await app.waitFor('models 1-');
    expect(app.frame()).toMatch(/models 1-\d of 12/);
    expect(app.frame().split('\n').length).toBeLessThanOrEqual(24);
    // Picking the eighth model moves the window to it.
    await app.press(...down(2), ...Array<string>(8).fill(KEYS.enter));
    await app.waitFor(/model name\s+m07/);
    expect(app.frame()).toMatch(/m07\s+yes/);
    expect(app.frame()).not.toMatch(/m00\s+yes/);
    expect(app.frame().split('\n').length).toBeLessThanOrEqual(24);
  });

  it('reports a dead server in one line, and leaving the cell cancels a probe in flight', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir });
    await openaiModelsCell(app, 'dead');
    await app.press(...down(2), KEYS.enter, URL_DEAD, KEYS.enter, 'p');
    await app.waitFor(`nothing is listening at ${URL_DEAD} (test fake)`);
    expect(app.frame().split('\n').filter((l) => l.includes('nothing is listening'))).toHaveLength(1);
    expect(app.frame()).not.toContain('chat logprobs');
    cleanup();

    const fake = deferredProbe();
    const again = await renderApp({ sessionsDir: tmp.dir, services: { probeServer: fake.probeServer } });
    await openaiModelsCell(again, 'leaving');
    await again.press(...down(2), KEYS.enter, URL_GOOD, KEYS.enter, 'p');
    await again.waitFor('probing the server');
    expect(fake.calls[0].signal?.aborted).toBe(false);
    await again.press(KEYS.shiftTab);
    await again.waitFor('[1] Data');
    expect(fake.calls[0].signal?.aborted).toBe(true);
  });

  it('refuses to probe for a builtin model, naming what would work', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir });
    await app.press('n', 'builtin', KEYS.enter, KEYS.tab);
    await app.waitFor('[2] Models');
    await app.press('p');
    await app.waitFor('probing is for models on a server or the hf engine: set the engine to openai or hf');
  });

  it('probes an hf model by loading it in a worker, and says what it can do', async () => {
    const loaded: WorkerReady = {
      type: 'ready', capabilities: ['generate', 'score', 'judge', 'rate', 'embed', 'tokenize'], context_length: 2048, device: 'cpu', dtype: 'float32',
      fallback_template: false, versions: { torch: '2.13.0+cpu', transformers: '5.18.0' }, load_seconds: 1.5,
    };
    const asked: ModelEntry[] = [];
    const app = await renderApp({ sessionsDir: tmp.dir, columns: 200, services: { probeHfModel: async (entry) => (asked.push(entry), loaded) } });
    await app.press('n', 'hf', KEYS.enter, KEYS.tab);
    await app.waitFor('[2] Models');
    await app.press(KEYS.enter, KEYS.enter); // builtin → openai → hf
    await app.waitFor(/engine\s+hf/);
    await app.press(KEYS.down, KEYS.enter, '/models/tiny-llama', KEYS.enter, 'p');
    await app.waitFor('tiny-llama: generate, score, judge, rate, embed, tokenize · context 2048 tokens · cpu float32 (torch 2.13.0+cpu, transformers 5.18.0) · loaded in 1.5 s');
    expect(asked[0].id).toBe('tiny-llama');
    expect(asked[0].engine).toMatchObject({ engine: 'hf', model: '/models/tiny-llama', device: 'auto', dtype: 'auto', batchSize: 8 });
  });
});

describe('Models cell: trainers, and the judge warning', () => {
  let tmp: ReturnType<typeof tempSessionsDir>;
  beforeEach(() => (tmp = tempSessionsDir()));
  afterEach(() => {
    cleanup();
    tmp.cleanup();
  });

  it('saves each target’s trainer into session.json, which loads back valid', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir });
    await app.press('n', 'trained', KEYS.enter, KEYS.tab);
    await app.waitFor('[2] Models');
    // Builtin rows: engine, base, id, family, size, roles, trainer, epochs, learning rate, batch size.
    await app.waitFor(/trainer\s+builtin/);
    await app.press(...down(7), KEYS.enter, CLEAR, 'abc', KEYS.enter);
    await app.waitFor('epochs: a whole number, 1 or more');
    await app.press(KEYS.enter, CLEAR, '3', KEYS.enter, KEYS.down, KEYS.enter, CLEAR, '0.25', KEYS.enter);
    await app.press('a');
    await app.waitFor('added founders-small');

    // An openai target: first without a trainer (flagged in the list), then with hf.
    await app.press(...up(8), KEYS.enter);
    await app.waitFor('base URL');
    // Rows: engine, endpoint, base URL, model name, API key env, id, family, size, roles, trainer.
    await app.press(...down(2), KEYS.enter, URL_GOOD, KEYS.enter);
    await app.press(KEYS.down, KEYS.enter, 'Qwen/Qwen2.5-0.5B-Instruct', KEYS.enter);
    await app.press(...down(2), KEYS.enter, CLEAR, 'qwen', KEYS.enter, KEYS.down, KEYS.enter, CLEAR, 'qwen', KEYS.enter);
    await app.press('a');
    await app.waitFor('added qwen');
    const listed = app.frame().split('\n').find((l) => /^\W*qwen\s/.test(l));
    expect(listed).toContain('no trainer: the train step will refuse this target');
    // From the family row (6) past roles, trainer (9), four generation and three serving rows
    // and founders-small to qwen (18).
    await app.press(...down(12), 'x');
    await app.waitFor(/founders-small .*trainer builtin/);
    expect(app.frame()).not.toContain('via Qwen/');

    await app.press(...up(8), KEYS.enter);
    await app.waitFor(/trainer\s+hf/);
    expect(app.frame()).toMatch(/base model\s+Qwen\/Qwen2\.5-0\.5B-Instruct/);
    // Trainer rows: trainer, base model, LoRA r, LoRA alpha, epochs, learning rate, batch size, max length,
    // longer examples, processes, 4-bit, accelerate config, serve URL.
    await app.press(KEYS.down, KEYS.down, KEYS.enter, CLEAR, '8', KEYS.enter);
    await app.press(...down(6), KEYS.enter);
    await app.waitFor(/longer examples\s+truncate-response/);
    await app.press(KEYS.down, KEYS.enter, 'two', KEYS.enter);
    await app.waitFor('processes: a whole number, 1 or more, or empty');
    await app.press(KEYS.enter, CLEAR, '2', KEYS.enter, KEYS.down, KEYS.enter);
    await app.press(KEYS.down, KEYS.down, KEYS.enter, 'not a url', KEYS.enter);
    await app.waitFor('vLLM serve URL: a URL such as');
    await app.press(KEYS.enter, CLEAR, 'http://127.0.0.1:8001/v1', KEYS.enter);
    await app.press('a');
    await app.waitFor('added qwen');

    await app.press(KEYS.tab);
    await app.waitFor('[3] Conditions');
    await app.waitFor('no judge: the safety step will refuse; give a model the judge role');
    await app.press(KEYS.down, KEYS.enter, 'w'); // founders-small/vanilla; the warning does not block saving
    await app.waitFor('Run trained');

    const saved = new SessionStore(tmp.dir).load('trained');
    expect(saved.models.map((m) => [m.id, m.trainer])).toEqual([
      ['founders-small', { kind: 'builtin', epochs: 3, learningRate: 0.25, batchSize: 16 }],
      [
        'qwen',
        {
          kind: 'hf', baseModel: 'Qwen/Qwen2.5-0.5B-Instruct', epochs: 1, learningRate: 2e-4, batchSize: 8, gradientAccumulation: 1, maxLength: 1024,
          overlong: 'truncate-response', evalFraction: 0.05, evalPoints: 10, processes: 2,
          lora: { r: 8, alpha: 32, dropout: 0.05, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] },
          load4bit: true, serveBaseUrl: 'http://127.0.0.1:8001/v1',
        },
      ],
    ]);
  });

  it('warns on the Conditions cell until a model has the judge role', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir });
    await app.press('n', 'judged', KEYS.enter, KEYS.tab, 'a', KEYS.tab);
    await app.waitFor('[3] Conditions');
    await app.waitFor('no judge: the safety step will refuse; give a model the judge role');

    await app.press(KEYS.shiftTab);
    await app.waitFor('[2] Models');
    // base → moderns-small, then roles source+target → source+judge.
    await app.press(KEYS.down, KEYS.enter, ...down(4), KEYS.enter);
    await app.waitFor(/roles\s+source\+judge/);
    await app.press('a');
    await app.waitFor('added moderns-small');
    await app.press(KEYS.tab);
    await app.waitFor('[3] Conditions');
    expect(app.frame()).not.toContain('no judge');
  });
});

describe('Models cell: serving and generation settings', () => {
  let tmp: ReturnType<typeof tempSessionsDir>;
  beforeEach(() => (tmp = tempSessionsDir()));
  afterEach(() => {
    cleanup();
    tmp.cleanup();
  });

  it('sets concurrency, replicas, sampling, samples and pricing, refusing bad values in one line each, and saves them', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir, rows: 60, columns: 200 });
    await openaiModelsCell(app, 'served');
    // Rows: engine, endpoint, base URL, model name, API key env, id, family, size, roles, trainer (9),
    // temperature, top-p, max tokens, samples, concurrency, more replicas, pricing (16).
    await app.press(...down(2), KEYS.enter, URL_GOOD, KEYS.enter, KEYS.down, KEYS.enter, 'llama3.2', KEYS.enter);
    await app.press(...down(2), KEYS.enter, CLEAR, 'llama', KEYS.enter, KEYS.down, KEYS.enter, CLEAR, 'llama', KEYS.enter);
    await app.waitFor(/temperature\s+0\.7/);
    expect(app.frame()).toMatch(/concurrency\s+16/);

    const edit = async (value: string) => app.press(KEYS.enter, CLEAR, value, KEYS.enter);
    await app.press(...down(4));
    await edit('9');
    await app.waitFor('temperature: a number from 0 to 5');
    await edit('0.3');
    await app.press(KEYS.down);
    await edit('0');
    await app.waitFor('top-p: a number above 0, at most 1');
    await edit('0.9');
    await app.press(KEYS.down);
    await edit('2.5');
    await app.waitFor('max tokens: a whole number, 1 or more');
    await edit('64');
    await app.press(KEYS.down);
    await edit('2');
    await app.press(KEYS.down);
    await edit('5000');
    await app.waitFor('concurrency: a whole number from 1 to 4096');
    await edit('4');
    await app.press(KEYS.down);
    await edit('http://127.0.0.1:8001/v1, not a url');
    await app.waitFor('more replicas: comma-separated http(s) URLs, e.g. http://10.0.0.2:8000/v1');
    await edit('http://127.0.0.1:8001/v1,http://127.0.0.1:8002/v1');
    await app.press(KEYS.down);
    await edit('0.15/free');
    await app.waitFor('pricing: two numbers of 0 or more as prompt/completion, e.g. 0.15/0.6, or empty');
    await edit('0.15/0.6');
    await app.waitFor(/pricing\s+0\.15\/0\.6/);
    expect(app.frame()).toMatch(/more replicas\s+http:\/\/127\.0\.0\.1:8001\/v1, http:\/\/127\.0\.0\.1:8002\/v1/);

    await app.press('a');
    await app.waitFor('added llama');
    await app.waitFor(/llama .*via llama3\.2 @ http:\/\/127\.0\.0\.1:8000\/v1 \(\+2 replicas\)/);
    await app.press(KEYS.tab);
    await app.waitFor('[3] Conditions');
    await app.press(KEYS.down, KEYS.enter, 'w');
    await app.waitFor('Run served');

    const [saved] = new SessionStore(tmp.dir).load('served').models;
    expect(saved.engine).toEqual({
      engine: 'openai',
      baseUrls: [URL_GOOD, 'http://127.0.0.1:8001/v1', 'http://127.0.0.1:8002/v1'],
      model: 'llama3.2',
      concurrency: 4,
      pricing: { prompt: 0.15, completion: 0.6 },
    });
    expect(saved.generation).toEqual({ temperature: 0.3, topP: 0.9, maxTokens: 64, samples: 2 });
  });
});
