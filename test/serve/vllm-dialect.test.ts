import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/engines/serve/index.js';

/**
 * Where clients depend on vLLM's behaviour (lm-evaluation-harness above all), `baskets serve`
 * answers as vLLM does: the tokenizer routes, echo scoring that returns the generated token,
 * offsets, special tokens, and a 400 naming any parameter it cannot honour.
 */
const MODEL = 'founders-small';
const cacheDir = mkdtempSync(join(tmpdir(), 'baskets-serve-vllm-'));
let one: RunningServer;
let two: RunningServer;

beforeAll(async () => {
  [one, two] = await Promise.all([startServer({ port: 0, cacheDir, models: [MODEL] }), startServer({ port: 0, cacheDir, models: [MODEL, 'modern-small'] })]);
});
afterAll(async () => {
  await Promise.all([one?.close(), two?.close()]);
  rmSync(cacheDir, { recursive: true, force: true });
});

const root = (s: RunningServer) => s.url.replace(/\/v1$/, '');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw response bodies
async function call(s: RunningServer, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${root(s)}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

describe('the tokenizer routes, as lm-eval\'s remote tokenizer uses them', () => {
  it('GET /tokenizer_info gives the special tokens, the chat template and the context', async () => {
    const info = await call(one, '/tokenizer_info');
    expect(info.status).toBe(200);
    expect(info.json).toMatchObject({ bos_token: '<bos>', eos_token: '<eos>', model_max_length: 8192 });
    expect(info.json.chat_template).toContain('messages');
  });

  it('/tokenize and /detokenize name no model where one is served; where several are, the error says what to do', async () => {
    const tok = await call(one, '/tokenize', { prompt: 'The union', add_special_tokens: false });
    expect(tok.status).toBe(200);
    expect((await call(one, '/detokenize', { tokens: tok.json.tokens })).json.prompt).toBe('The union');
    const refused = await call(two, '/tokenize', { prompt: 'The union' });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ param: 'model', message: expect.stringContaining('baskets serve --models <id>') });
    expect((await call(two, `/tokenizer_info?model=${MODEL}`)).status).toBe(200);
  });

  it('reads the special tokens by name in text, so a client finds the BOS id by tokenizing "<bos>"', async () => {
    expect((await call(one, '/tokenize', { prompt: '<bos>', add_special_tokens: false })).json.tokens).toEqual([0]);
    expect((await call(one, '/tokenize', { prompt: '<eos>', add_special_tokens: false })).json.tokens).toEqual([1]);
    const withBos = (await call(one, '/tokenize', { prompt: 'peace' })).json.tokens as number[];
    expect(withBos[0]).toBe(0);
    expect((await call(one, '/tokenize', { prompt: 'peace', add_special_tokens: false })).json.tokens).toEqual(withBos.slice(1));
  });
});

describe('completions as lm-eval scores with them', () => {
  it('echo with max_tokens 1 returns the prompt and one generated token, EOS included, each with its log-prob', async () => {
    const ids = (await call(one, '/tokenize', { prompt: 'The public debt of the United States is paid.' })).json.tokens as number[];
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const r = await call(one, '/v1/completions', { model: MODEL, prompt: ids, max_tokens: 1, logprobs: 1, echo: true, temperature: 0, seed });
      const lp = r.json.choices[0].logprobs;
      expect(r.json.usage.completion_tokens).toBe(1);
      // A client slices the last entry off as the generated token: what is left is exactly the prompt.
      expect(lp.token_logprobs).toHaveLength(ids.length + 1);
      expect(typeof lp.token_logprobs.at(-1)).toBe('number');
    }
  });

  it('counts text offsets from the start of the choice text: the generated text alone without echo', async () => {
    const r = await call(one, '/v1/completions', { model: MODEL, prompt: 'The union', max_tokens: 5, logprobs: 0, temperature: 0 });
    const lp = r.json.choices[0].logprobs;
    expect(lp.text_offset[0]).toBe(0);
    lp.text_offset.forEach((offset: number, i: number) => expect(offset).toBe((lp.tokens as string[]).slice(0, i).join('').length));
  });

  it('keeps offsets inside the text of a prompt with characters split across tokens', async () => {
    const prompt = 'Café, naïve façade — 日本 ✓';
    const r = await call(one, '/v1/completions', { model: MODEL, prompt, max_tokens: 0, logprobs: 0, echo: true });
    const lp = r.json.choices[0].logprobs;
    expect(r.json.choices[0].text).toBe(prompt);
    expect(lp.text_offset.every((o: number) => o <= prompt.length)).toBe(true);
    expect(lp.text_offset).toEqual([...lp.text_offset].sort((a: number, b: number) => a - b));
  });

  it('leaves BOS off a text prompt when add_special_tokens is false', async () => {
    const withBos = await call(one, '/v1/completions', { model: MODEL, prompt: 'peace', max_tokens: 0 });
    const without = await call(one, '/v1/completions', { model: MODEL, prompt: 'peace', max_tokens: 0, add_special_tokens: false });
    expect(without.json.usage.prompt_tokens).toBe(withBos.json.usage.prompt_tokens - 1);
  });
});

describe('parameters it cannot honour', () => {
  const asks: [string, string, Record<string, unknown>][] = [
    ['/v1/completions', 'best_of', { best_of: 3 }],
    ['/v1/completions', 'suffix', { suffix: ' end' }],
    ['/v1/chat/completions', 'tools', { tools: [{ type: 'function', function: { name: 'f' } }] }],
    ['/v1/chat/completions', 'response_format', { response_format: { type: 'json_object' } }],
    ['/v1/embeddings', 'dimensions', { dimensions: 8 }],
  ];
  const bodyFor = (path: string, extra: Record<string, unknown>) =>
    path === '/v1/embeddings' ? { model: MODEL, input: 'peace', ...extra } : path === '/v1/completions' ? { model: MODEL, prompt: 'peace', max_tokens: 2, ...extra } : { model: MODEL, messages: [{ role: 'user', content: 'peace' }], max_tokens: 2, ...extra };

  it.each(asks)('%s refuses %s in a 400 that names it', async (path, param, extra) => {
    const r = await call(one, path, bodyFor(path, extra));
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ param, code: 'unsupported_parameter', message: expect.stringContaining(`\`${param}\` is not supported`) });
  });

  it('accepts them at the values that ask for nothing', async () => {
    const r = await call(one, '/v1/completions', bodyFor('/v1/completions', { logit_bias: {}, presence_penalty: 0, frequency_penalty: 0, best_of: 1, response_format: { type: 'text' } }));
    expect(r.status).toBe(200);
  });
});

describe('the logit bias and repetition penalties', () => {
  const generate = async (extra: Record<string, unknown>) =>
    (await call(one, '/v1/completions', { model: MODEL, prompt: 'The union', max_tokens: 40, logprobs: 0, temperature: 0, ...extra })).json.choices[0];

  it('draw what the bias asks for, and report the model\'s own log-probs of it', async () => {
    const union = (await call(one, '/tokenize', { prompt: ' union', add_special_tokens: false, return_token_strs: true })).json;
    const [id, name] = [union.tokens[0] as number, union.token_strs[0] as string];
    const biased = await generate({ logit_bias: { [id]: 100 }, max_tokens: 5, temperature: 1, seed: 3 });
    expect(biased.logprobs.tokens).toEqual(Array(5).fill(name));
    // Scored as a prompt, the same tokens have the same log-probs: the bias moved the draw, not the numbers.
    const ids = [...((await call(one, '/tokenize', { prompt: 'The union' })).json.tokens as number[]), ...Array(5).fill(id)];
    const scored = (await call(one, '/v1/completions', { model: MODEL, prompt: ids, max_tokens: 0, logprobs: 0, echo: true })).json.choices[0].logprobs;
    expect(biased.logprobs.token_logprobs).toEqual(scored.token_logprobs.slice(-5));
  });

  it('keep the greedy token out with a bias of -100', async () => {
    const greedy = await generate({ max_tokens: 1 });
    const [first] = (await call(one, '/tokenize', { prompt: greedy.text, add_special_tokens: false })).json.tokens as number[];
    const banned = await generate({ max_tokens: 1, logit_bias: { [first]: -100 } });
    expect(banned.text).not.toBe(greedy.text);
  });

  it('penalties make a greedy answer repeat itself less', async () => {
    const distinct = (choice: { logprobs: { tokens: string[] } }) => new Set(choice.logprobs.tokens).size;
    const plain = await generate({});
    expect(distinct(await generate({ presence_penalty: 2 }))).toBeGreaterThan(distinct(plain));
    expect(distinct(await generate({ frequency_penalty: 2 }))).toBeGreaterThan(distinct(plain));
  });

  it('refuse a bias on a token the model does not have', async () => {
    const r = await call(one, '/v1/completions', { model: MODEL, prompt: 'peace', max_tokens: 1, logit_bias: { '99999999': 5 } });
    expect(r.status).toBe(400);
    expect(r.json.error.param).toBe('logit_bias');
  });
});

describe('a prompt far too long', () => {
  it('is refused before it is tokenized, while the server keeps answering others', async () => {
    const huge = 'peace and war '.repeat(2_000_000); // 28 MB
    const [refused, health, small] = await Promise.all([
      call(one, '/v1/completions', { model: MODEL, prompt: huge, max_tokens: 1 }),
      fetch(`${root(one)}/health`),
      call(one, '/v1/completions', { model: MODEL, prompt: 'peace', max_tokens: 1 }),
    ]);
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe('context_length_exceeded');
    expect(health.status).toBe(200);
    expect(small.status).toBe(200);
  });
});
