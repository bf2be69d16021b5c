import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CapabilityError } from '../../src/domain/models.js';
import { Endpoint } from '../../src/engines/openai/endpoint.js';
import { openOpenAIModel, probeServer, readCachedProbe } from '../../src/engines/openai/index.js';
import { scoreOn } from '../../src/engines/openai/scoring.js';
import { guessServerKind } from '../../src/engines/openai/server-info.js';
import { ModelEntry } from '../../src/domain/session.js';
import { useTempDir } from '../helpers/tmp.js';
import { chatAnswer, chatStream, modelList, openAIError, startFakeServer, type FakeServer, type Route } from './fake-server.js';

// Servers that `baskets serve` cannot stand in for (it always echoes prompt log-probs), each
// answering the way its documentation says, on loopback.

const tempDir = useTempDir('baskets-servers-');
let server: FakeServer | undefined;
beforeEach(() => {
  process.env.BASKETS_CACHE_DIR = tempDir();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  delete process.env.BASKETS_CACHE_DIR;
});

const chat: Route = (body) => (body.stream ? chatStream(body, ['O', 'K']) : chatAnswer(body, 'OK', true));

/** llama.cpp server: /props, a /tokenize that reads `content`, completions that ignore echo. */
const llamaCpp: Record<string, Route> = {
  'GET /v1/models': () => modelList(['qwen2.5-7b-instruct-q4_k_m.gguf'], 'llamacpp'),
  'GET /props': () => ({ json: { default_generation_settings: { n_ctx: 8192 }, total_slots: 1, chat_template: '…' } }),
  'POST /tokenize': (body) => ({ json: { tokens: typeof body.content === 'string' ? [1, 2, 3] : [] } }),
  'POST /v1/chat/completions': chat,
  'POST /v1/completions': () => ({
    json: { choices: [{ index: 0, text: 'x', finish_reason: 'length', logprobs: { tokens: ['x'], token_logprobs: [-1.5] } }], usage: { prompt_tokens: 7, completion_tokens: 1 } },
  }),
  'POST /v1/embeddings': () => ({ status: 501, json: { error: { code: 501, message: 'This server does not support embeddings. Start it with `--embeddings`', type: 'not_supported_error' } } }),
};

const entryFor = (url: string, model: string) =>
  ModelEntry.parse({ id: 'm', family: 'qwen', size: 'medium', roles: ['source'], engine: { engine: 'openai', baseUrls: [url], model, concurrency: 2 } });

describe('llama.cpp server', () => {
  it('probes chat, streaming, chat log-probs and the /props context length, and says plainly it cannot score', async () => {
    server = await startFakeServer(llamaCpp);
    const probe = await probeServer(server.url, { refresh: true });
    expect(probe.server).toBe('llama.cpp');
    const [m] = probe.models;
    expect(m).toMatchObject({ chat: true, streaming: true, chatLogprobs: true, tokenize: false, scoring: null, embeddings: false });
    expect(m.contextLength).toBe(8192);
    expect(m.contextSource).toBe('llama.cpp /props n_ctx');
    expect(m.notes).toContain('llama.cpp cannot score a given text: perplexity needs vLLM or SGLang');
    // A missing feature is asked once, not retried as if the server were flaky.
    expect(server.requests.filter((r) => r.route === 'POST /tokenize')).toHaveLength(1);
  });

  it('refuses perplexity at the engine with the same plain words, before any completion request', async () => {
    server = await startFakeServer(llamaCpp);
    const model = await openOpenAIModel(entryFor(server.url, 'qwen2.5-7b-instruct-q4_k_m.gguf'));
    try {
      const sent = server.requests.length;
      await expect(model.score([{ role: 'user', content: 'Hi' }], 'Hello.')).rejects.toThrow(
        /model "m" cannot score: llama\.cpp cannot score a given text: perplexity needs vLLM or SGLang/,
      );
      expect(server.requests.length).toBe(sent);
    } finally {
      await model.close();
    }
  });
});

describe('Ollama', () => {
  it('reads the context length from /api/show and notes that chat gives no log-probs', async () => {
    server = await startFakeServer({
      'GET /v1/models': () => modelList(['llama3.2:latest'], 'library'),
      'POST /api/show': (body) =>
        body.model === 'llama3.2:latest'
          ? { json: { modelfile: '…', model_info: { 'general.architecture': 'llama', 'llama.context_length': 131072, 'llama.embedding_length': 3072 } } }
          : { status: 404, json: { error: `model '${String(body.model)}' not found` } },
      // Ollama accepts the logprobs fields and returns none.
      'POST /v1/chat/completions': (body) => (body.stream ? chatStream(body, ['OK']) : chatAnswer(body, 'OK', false)),
      'POST /v1/embeddings': () => ({ json: { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, -0.2, 0.3] }], model: 'llama3.2:latest' } }),
    });
    const probe = await probeServer(server.url, { refresh: true });
    expect(probe.server).toBe('ollama');
    const [m] = probe.models;
    expect(m).toMatchObject({ chat: true, streaming: true, chatLogprobs: false, scoring: null, embeddings: true, contextLength: 131072, contextSource: 'ollama /api/show' });
    expect(m.notes).toContain('Ollama returns no chat log-probs: self-preference falls back to parsed verdicts');
    expect(m.notes).toContain('Ollama cannot score a given text: perplexity needs vLLM or SGLang');
  });
});

describe('a server that refuses the logprobs fields', () => {
  it('retries chat without them: chat works, chat log-probs are a plain "no"', async () => {
    server = await startFakeServer({
      'GET /v1/models': () => modelList(['o3-mini'], 'system'),
      'POST /v1/chat/completions': (body) => {
        if (body.logprobs !== undefined) return openAIError(400, "Unsupported parameter: 'logprobs' is not supported with this model.", 'logprobs');
        return body.stream ? chatStream(body, ['OK']) : chatAnswer(body, 'OK', false);
      },
    });
    const probe = await probeServer(server.url, { refresh: true });
    expect(probe.server).toBe('openai');
    const [m] = probe.models;
    expect(m).toMatchObject({ chat: true, streaming: true, chatLogprobs: false });
    expect(m.notes.some((n) => n.includes('Unsupported parameter'))).toBe(false);
    expect(m.notes).toContain('OpenAI returns no chat log-probs: self-preference falls back to parsed verdicts');
    const chats = server.requests.filter((r) => r.route === 'POST /v1/chat/completions' && !r.body.stream);
    expect(chats.map((r) => 'logprobs' in r.body)).toEqual([true, false]);
  });
});

describe('a server whose model list is public but whose requests need a key (OpenRouter)', () => {
  it('fails the probe on the refused key, naming the variable, and caches no "cannot chat"', async () => {
    server = await startFakeServer({
      'GET /v1/models': () => modelList(['openai/gpt-4o-mini'], 'openai'),
      'POST /v1/chat/completions': () => openAIError(401, 'No auth credentials found'),
    });
    process.env.BASKETS_TEST_KEY = 'wrong';
    try {
      await expect(probeServer(server.url, { refresh: true, apiKeyEnv: 'BASKETS_TEST_KEY' })).rejects.toThrow(
        /HTTP 401: No auth credentials found — the server refused the API key in BASKETS_TEST_KEY: check its value, then run again$/,
      );
      expect(readCachedProbe(server.url)).toBeNull();
    } finally {
      delete process.env.BASKETS_TEST_KEY;
    }
  });
});

/** vLLM-shaped /tokenize: chat messages become 4 ids, a text one id per word. */
const tokenize: Route = (body) => {
  const ids = Array.isArray(body.messages) ? [100, 101, 102, 103] : String(body.prompt).split(/\s+/).filter(Boolean).map((_, i) => 200 + i);
  return { json: { count: ids.length, max_model_len: 4096, tokens: ids, token_strs: ids.map((id) => `t${id}`) } };
};
const messages = [{ role: 'user' as const, content: 'Why?' }];

describe('scoring a given text', () => {
  it('refuses, with the counts, a server that returns log-probs for the generated token only', async () => {
    server = await startFakeServer({
      'POST /tokenize': tokenize,
      'POST /v1/completions': () => ({
        json: { choices: [{ index: 0, text: 'x', finish_reason: 'length', logprobs: { tokens: ['x'], token_logprobs: [-2] } }], usage: { prompt_tokens: 6, completion_tokens: 1 } },
      }),
    });
    const endpoint = new Endpoint(server.url, { concurrency: 1, timeoutMs: 5_000 });
    try {
      const scored = scoreOn(endpoint, 'm', 'served', messages, 'Because it is.', undefined);
      await expect(scored).rejects.toBeInstanceOf(CapabilityError);
      await expect(scored).rejects.toThrow(/returned 0 prompt log-probs for 7 prompt tokens/);
    } finally {
      await endpoint.close();
    }
  });

  it("falls back to vLLM's prompt_logprobs when echo is refused, aligned by token ids", async () => {
    server = await startFakeServer({
      'POST /tokenize': tokenize,
      'POST /v1/completions': (body) => {
        if (body.echo) return openAIError(400, 'echo is not supported');
        const ids = body.prompt as number[];
        // vLLM: the first prompt token has no log-prob; the others a map from token id.
        const promptLogprobs = ids.map((id, i) => (i === 0 ? null : { [String(id)]: { logprob: -id / 100, rank: 1, decoded_token: `t${id}` } }));
        return { json: { choices: [{ index: 0, text: 'x', finish_reason: 'length', logprobs: null, prompt_logprobs: promptLogprobs }] } };
      },
    });
    const endpoint = new Endpoint(server.url, { concurrency: 1, timeoutMs: 5_000 });
    try {
      const scored = await scoreOn(endpoint, 'm', 'served', messages, 'Because it is.', undefined);
      expect(scored.method).toBe('prompt_logprobs');
      expect(scored.tokens).toEqual(['t200', 't201', 't202']);
      expect(scored.logprobs).toEqual([-2, -2.01, -2.02]);
      const sent = server.requests.filter((r) => r.route === 'POST /v1/completions').map((r) => r.body.prompt);
      expect(sent[1]).toEqual([100, 101, 102, 103, 200, 201, 202]);
    } finally {
      await endpoint.close();
    }
  });
});

describe('guessServerKind', () => {
  const kind = (ownedBy: string | undefined, url = 'http://127.0.0.1:8000/v1') => guessServerKind([{ id: 'x', ownedBy }], url);
  it('names each server from what its /v1/models puts in owned_by', () => {
    expect(kind('vllm')).toBe('vllm');
    expect(kind('sglang')).toBe('sglang');
    expect(kind('llamacpp')).toBe('llama.cpp');
    expect(kind('library')).toBe('ollama');
    expect(kind('organization_owner')).toBe('lm-studio');
    expect(kind('baskets')).toBe('baskets');
    expect(kind('system')).toBe('openai');
    expect(kind('someone', 'https://api.openai.com/v1')).toBe('openai');
    expect(kind('someone')).toBe('unknown');
    expect(guessServerKind([], 'http://127.0.0.1:1/v1')).toBe('unknown');
  });
});
