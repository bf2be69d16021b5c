import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { AuthenticationError, BadRequestError, NotFoundError } from 'openai';
import { startServer, type RunningServer } from '../../src/engines/serve/index.js';
import { openBuiltinModel } from '../../src/engines/builtin/index.js';
import { AdaptedCursor } from '../../src/engines/builtin/adapted.js';
import type { ChatMessage, LanguageModel } from '../../src/domain/models.js';
import { logProbsOfSampled } from '../helpers/sampled.js';

/**
 * `baskets serve` over the real builtin engine, exercised through the official OpenAI SDK
 * (fetch only where the SDK has no method: /tokenize, vLLM's prompt_logprobs, raw bodies).
 */

const MODEL = 'founders-small';
const cacheDir = mkdtempSync(join(tmpdir(), 'baskets-serve-cache-'));
let server: RunningServer;
let client: OpenAI;
let local: LanguageModel;
const logLines: string[] = [];
const messages: ChatMessage[] = [{ role: 'user', content: 'What should Congress do about the public debt?' }];

beforeAll(async () => {
  server = await startServer({ port: 0, cacheDir, models: [MODEL, 'modern-small'], log: (line) => logLines.push(line) });
  client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
  local = await openBuiltinModel(MODEL, { cacheDir });
});
afterAll(async () => {
  await server?.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

const root = () => server.url.replace(/\/v1$/, '');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies of routes the SDK has no types for
async function post(path: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${root()}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

describe('GET /v1/models', () => {
  it('lists the chosen bases with vLLM fields, without loading them', async () => {
    const page = await client.models.list();
    const models = page.data as unknown as Record<string, unknown>[];
    expect(models.map((m) => m.id)).toEqual([MODEL, 'modern-small']);
    expect(models[0]).toMatchObject({ object: 'model', owned_by: 'baskets', parent: null, root: MODEL, max_model_len: local.contextLength });
    expect(await client.models.retrieve('modern-small')).toMatchObject({ id: 'modern-small' });
    await expect(client.models.retrieve('nope')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('POST /v1/chat/completions', () => {
  const params = { model: MODEL, messages, temperature: 0.9, top_p: 0.95, max_tokens: 40, seed: 1234 };

  it('same seed, same text — the same text the in-process model generates', async () => {
    const a = await client.chat.completions.create(params);
    const b = await client.chat.completions.create(params);
    const mine = await local.generate(messages, { temperature: 0.9, topP: 0.95, maxTokens: 40, seed: 1234 });
    expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
    expect(a.choices[0].message.content).toBe(mine.text);
    expect(a.choices[0].message.content!.length).toBeGreaterThan(0);
    expect(a.usage?.prompt_tokens).toBe((await local.tokenize(messages)).ids.length);
    const other = await client.chat.completions.create({ ...params, seed: 99 });
    expect(other.choices[0].message.content).not.toBe(a.choices[0].message.content);
  });

  it('n choices: the first is the n=1 answer, the others differ', async () => {
    const one = await client.chat.completions.create(params);
    const three = await client.chat.completions.create({ ...params, n: 3 });
    expect(three.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(three.choices[0].message.content).toBe(one.choices[0].message.content);
    expect(new Set(three.choices.map((c) => c.message.content)).size).toBe(3);
  });

  it('max_tokens ends with finish_reason "length"; max_completion_tokens too', async () => {
    const r = await client.chat.completions.create({ ...params, max_tokens: 3, temperature: 0 });
    expect(r.choices[0].finish_reason).toBe('length');
    expect(r.usage?.completion_tokens).toBe(3);
    const r2 = await client.chat.completions.create({ model: MODEL, messages, temperature: 0, max_completion_tokens: 2 });
    expect(r2.usage?.completion_tokens).toBe(2);
  });

  it('stop strings cut the answer before the stop', async () => {
    const full = (await client.chat.completions.create(params)).choices[0].message.content!;
    const stop = full.slice(12, 16);
    const cut = await client.chat.completions.create({ ...params, stop: [stop, 'never-in-the-text'] });
    expect(cut.choices[0].message.content).toBe(full.slice(0, full.indexOf(stop)));
    expect(cut.choices[0].finish_reason).toBe('stop');
  });

  it('logprobs and top_logprobs are shaped like OpenAI and equal the in-process score', async () => {
    const r = await client.chat.completions.create({ ...params, logprobs: true, top_logprobs: 3 });
    const content = r.choices[0].logprobs!.content!;
    expect(content.length).toBe(r.usage!.completion_tokens);
    expect(content.map((t) => t.token).join('')).toBe(r.choices[0].message.content);
    // The tokens' bytes spell the answer, even where a token holds part of a character.
    expect(Buffer.concat(content.map((t) => Buffer.from(t.bytes!))).toString('utf8')).toBe(r.choices[0].message.content);
    const scored = await logProbsOfSampled(local, messages, content.map((t) => t.bytes!));
    expect(content.length).toBe(scored.length);
    content.forEach((t, i) => {
      expect(t.logprob).toBeCloseTo(scored[i], 9);
      expect(t.top_logprobs).toHaveLength(3);
      const tops = t.top_logprobs.map((x) => x.logprob);
      expect(tops).toEqual([...tops].sort((x, y) => y - x));
      expect(t.logprob).toBeLessThanOrEqual(tops[0] + 1e-9);
    });
  });

  it('streams SSE chunks whose text equals the non-streamed answer, usage in a last chunk with no choices', async () => {
    const whole = await client.chat.completions.create(params);
    const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(whole.choices[0].message.content);
    expect(chunks.at(-2)!.choices[0].finish_reason).toBe(whole.choices[0].finish_reason);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual(whole.usage);
  });
});

describe('POST /v1/completions and /tokenize', () => {
  const prompt = 'The public debt of the United States';

  it('echo + logprobs + max_tokens 0 scores every prompt token, the first null, as /tokenize counts them', async () => {
    const tok = await post('/tokenize', { model: MODEL, prompt, return_token_strs: true });
    expect(tok.status).toBe(200);
    expect(tok.json.max_model_len).toBe(local.contextLength);
    expect(tok.json.count).toBe(tok.json.tokens.length);
    expect(tok.json.token_strs).toHaveLength(tok.json.count);
    const r = await client.completions.create({ model: MODEL, prompt, echo: true, logprobs: 2, max_tokens: 0 });
    const lp = r.choices[0].logprobs!;
    expect(r.choices[0].text).toBe(prompt);
    expect(r.choices[0].finish_reason).toBe('length');
    expect(lp.token_logprobs).toHaveLength(tok.json.count);
    expect(lp.token_logprobs![0]).toBeNull();
    expect(lp.top_logprobs![0]).toBeNull();
    expect(lp.token_logprobs!.slice(1).every((x) => typeof x === 'number' && x < 0)).toBe(true);
    // BOS is named as everywhere else ("<bos>"), and adds no text: each offset is where its token's text starts.
    expect(lp.tokens![0]).toBe('<bos>');
    expect(lp.tokens!.slice(1).join('')).toBe(prompt);
    lp.text_offset!.forEach((offset, i) => expect(offset).toBe(lp.tokens!.slice(1, Math.max(1, i)).join('').length));
    expect(Object.keys(lp.top_logprobs![1]).length).toBeGreaterThanOrEqual(2);
  });

  it("vLLM's prompt_logprobs: a leading null, then {token_id: {logprob, rank, decoded_token}} per prompt token", async () => {
    const tok = await post('/tokenize', { model: MODEL, prompt });
    const r = await post('/v1/completions', { model: MODEL, prompt, max_tokens: 1, prompt_logprobs: 1, echo: true, logprobs: 0 });
    expect(r.status).toBe(200);
    const pl = r.json.choices[0].prompt_logprobs as (Record<string, { logprob: number; rank: number; decoded_token: string }> | null)[];
    expect(pl).toHaveLength(tok.json.count);
    expect(pl[0]).toBeNull();
    tok.json.tokens.slice(1).forEach((id: number, k: number) => {
      const entry = pl[k + 1]![String(id)];
      expect(entry.logprob).toBeCloseTo(r.json.choices[0].logprobs.token_logprobs[k + 1], 12);
      expect(entry.rank).toBeGreaterThanOrEqual(1);
      const best = Object.values(pl[k + 1]!).find((e) => e.rank === 1);
      expect(best!.logprob).toBeGreaterThanOrEqual(entry.logprob);
    });
    expect(r.json.usage.completion_tokens).toBe(1);
  });

  it('scores a continuation sent as token ids exactly as the in-process score does (the openai engine path)', async () => {
    const continuation = 'The debt should be paid, and the revenue applied to that end.';
    const head = await post('/tokenize', { model: MODEL, messages, add_generation_prompt: true });
    const cont = await post('/tokenize', { model: MODEL, prompt: continuation, add_special_tokens: false });
    expect(head.json.tokens).toEqual((await local.tokenize(messages)).ids);
    const ids = [...head.json.tokens, ...cont.json.tokens];
    const r = await client.completions.create({ model: MODEL, prompt: ids, echo: true, logprobs: 0, max_tokens: 1, temperature: 0 });
    const served = r.choices[0].logprobs!.token_logprobs!.slice(head.json.count, ids.length);
    const scored = await local.score(messages, continuation);
    expect(served).toHaveLength(scored.logprobs.length);
    served.forEach((x, i) => expect(x).toBeCloseTo(scored.logprobs[i], 9));
  });

  it('scores without building the full distribution unless top-k or ranks are asked for, with the same values either way', async () => {
    const text = 'The public debt of the United States should be paid as fast as the revenue allows.';
    const spy = vi.spyOn(AdaptedCursor.prototype, 'distribution');
    try {
      const cheap = await client.completions.create({ model: MODEL, prompt: text, echo: true, logprobs: 0, max_tokens: 0 });
      expect(spy).not.toHaveBeenCalled();
      const withTop = await client.completions.create({ model: MODEL, prompt: text, echo: true, logprobs: 3, max_tokens: 0 });
      expect(spy).toHaveBeenCalled();
      expect(cheap.choices[0].logprobs!.token_logprobs).toEqual(withTop.choices[0].logprobs!.token_logprobs);
      expect(cheap.choices[0].logprobs!.tokens).toEqual(withTop.choices[0].logprobs!.tokens);

      // prompt_logprobs 0 still carries each token's rank, the same rank a top-k request gives.
      spy.mockClear();
      const ranked = await post('/v1/completions', { model: MODEL, prompt: text, max_tokens: 0, prompt_logprobs: 0 });
      expect(spy).toHaveBeenCalled();
      const ranks = await post('/v1/completions', { model: MODEL, prompt: text, max_tokens: 0, prompt_logprobs: 3 });
      const own = (pl: (Record<string, { logprob: number; rank: number }> | null)[], ids: number[]) => ids.slice(1).map((id, k) => pl[k + 1]![String(id)]);
      const ids = (await post('/tokenize', { model: MODEL, prompt: text })).json.tokens as number[];
      const zero = own(ranked.json.choices[0].prompt_logprobs, ids);
      expect(zero).toEqual(own(ranks.json.choices[0].prompt_logprobs, ids));
      expect(zero.map((e) => e.logprob)).toEqual(cheap.choices[0].logprobs!.token_logprobs!.slice(1));
      expect(zero.every((e) => Number.isInteger(e.rank) && e.rank >= 1)).toBe(true);
      expect(zero.some((e) => e.rank > 1)).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  it('generates from a raw prompt, seeded, with n and stop', async () => {
    const req = { model: MODEL, prompt, max_tokens: 20, seed: 5, n: 2, temperature: 1 };
    const a = await client.completions.create(req);
    const b = await client.completions.create(req);
    expect(a.choices.map((c) => c.text)).toEqual(b.choices.map((c) => c.text));
    expect(a.choices[0].text).not.toBe(a.choices[1].text);
    expect(a.usage!.prompt_tokens).toBe((await post('/tokenize', { model: MODEL, prompt })).json.count);
  });

  it('tokenizes chat messages and detokenizes back', async () => {
    const tok = await post('/tokenize', { model: MODEL, messages, return_token_strs: true });
    expect(tok.json.tokens).toEqual((await local.tokenize(messages)).ids);
    const text = 'Gentlemen of the Senate';
    const ids = (await post('/tokenize', { model: MODEL, prompt: text, add_special_tokens: false })).json.tokens;
    expect((await post('/detokenize', { model: MODEL, tokens: ids })).json).toEqual({ prompt: text });
    const outside = await post('/detokenize', { model: MODEL, tokens: [10 ** 7] });
    expect(outside.status).toBe(400);
    expect(outside.json.error.message).toMatch(/outside the vocabulary/);
    expect((await post('/v1/completions', { model: MODEL, prompt: [0, 10 ** 7], max_tokens: 1 })).status).toBe(400);
  });
});

describe('POST /v1/embeddings', () => {
  it('float and base64 (little-endian float32) give the in-process vectors', async () => {
    const input = ['the public credit', 'a railroad to the Pacific'];
    const expected = (await local.embed(input)).map((v) => Array.from(v));
    const float = await client.embeddings.create({ model: MODEL, input, encoding_format: 'float' });
    expect(float.data.map((d) => d.embedding)).toEqual(expected);
    const sdkDefault = await client.embeddings.create({ model: MODEL, input }); // the SDK asks for base64 and decodes it
    expect(sdkDefault.data.map((d) => d.embedding)).toEqual(expected);
    const raw = await post('/v1/embeddings', { model: MODEL, input, encoding_format: 'base64' });
    const bytes = Buffer.from(raw.json.data[1].embedding as string, 'base64');
    const decoded = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(decoded).toEqual(expected[1]);
    expect(float.usage.prompt_tokens).toBeGreaterThan(0);
  });
});

describe('errors', () => {
  it('answer OpenAI-style errors with the right status, and the server keeps serving', async () => {
    await expect(client.chat.completions.create({ model: 'no-such-model', messages })).rejects.toBeInstanceOf(NotFoundError);
    const tooLong = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 9000 }).catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(BadRequestError);
    expect((tooLong as BadRequestError).code).toBe('context_length_exceeded');
    const badParam = await client.chat.completions.create({ model: MODEL, messages, temperature: 7 }).catch((e: unknown) => e);
    expect((badParam as BadRequestError).status).toBe(400);
    expect((badParam as BadRequestError).param).toBe('temperature');

    const malformed = await post('/v1/chat/completions', '{"model": ');
    expect(malformed.status).toBe(400);
    expect(malformed.json.error).toMatchObject({ type: 'invalid_request_error', param: null });
    expect(typeof malformed.json.error.message).toBe('string');
    expect((await post('/v1/nothing-here', {})).status).toBe(404);
    const huge = await fetch(`${server.url}/chat/completions`, { method: 'POST', body: Buffer.alloc(33 * 1024 * 1024, 32) });
    expect(huge.status).toBe(413);

    const ok = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 2 });
    expect(ok.choices[0].message.role).toBe('assistant');
  });

  it('a client that disconnects mid-stream stops the generation, and the server keeps serving', async () => {
    const controller = new AbortController();
    // Greedy decoding of this bigram model loops without ever ending: only the disconnect can stop it.
    const stream = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 8000, temperature: 0, stream: true }, { signal: controller.signal });
    await (async () => {
      for await (const _chunk of stream) controller.abort();
    })().catch(() => undefined);
    // The limit only reports a sampler that never stops; it is generous for a busy machine.
    await expect.poll(() => logLines.some((l) => l.includes('/v1/chat/completions: connection closed')), { timeout: 60_000 }).toBe(true);
    const ok = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 2 });
    expect(ok.choices).toHaveLength(1);
  });
});

describe('bearer token and bind address', () => {
  it('with --token, requests need it as a bearer token (401 otherwise)', async () => {
    const guarded = await startServer({ port: 0, instant: true, token: 's3cret-token', models: [] });
    try {
      const bad = new OpenAI({ baseURL: guarded.url, apiKey: 'wrong', maxRetries: 0 });
      const err = await bad.models.list().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthenticationError);
      expect(JSON.stringify((err as AuthenticationError).error)).not.toContain('s3cret-token');
      const none = await fetch(`${guarded.url}/models`);
      expect(none.status).toBe(401);
      const good = new OpenAI({ baseURL: guarded.url, apiKey: 's3cret-token', maxRetries: 0 });
      expect((await good.models.list()).data).toEqual([]);
    } finally {
      await guarded.close();
    }
  });

  it('refuses a non-loopback address without a token, and unknown models', async () => {
    await expect(startServer({ host: '0.0.0.0', port: 0 })).rejects.toThrow(/without a token: pass --token/);
    await expect(startServer({ port: 0, models: ['gpt-9'] })).rejects.toThrow(/unknown builtin model "gpt-9"/);
  });
});
