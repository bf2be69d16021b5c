import { describe, expect, it } from 'vitest';
import { RequestFailedError } from '../../src/engines/openai/index.js';
import { batchedEmbed } from '../../src/pipeline/evaluation/embed-batches.js';

/** An embedder that records each call's texts; a text's vector is [its length]. */
function recorder(fail?: (texts: string[]) => Error | null) {
  const calls: string[][] = [];
  return {
    calls,
    model: {
      embed: async (texts: string[]) => {
        calls.push(texts);
        const err = fail?.(texts);
        if (err) throw err;
        return texts.map((t) => Float32Array.of(t.length));
      },
    },
  };
}

const signal = new AbortController().signal;
const texts = (n: number) => Array.from({ length: n }, (_, i) => 'x'.repeat(i + 1));

describe('batchedEmbed', () => {
  it('sends the texts asked for together in batches of the given size, each caller getting its own vector', async () => {
    const { calls, model } = recorder();
    const embed = batchedEmbed(model, 4);
    const vectors = await Promise.all(texts(10).map((t) => embed(t, signal)));
    expect(vectors.map((v) => v[0])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(calls.map((c) => c.length)).toEqual([4, 4, 2]);
  });

  it('embeds the texts of a refused batch one at a time, so only the refused text fails', async () => {
    const refused = new RequestFailedError('embeddings failed: 400 input too long', { retryable: false, overload: false, message: 'input too long' }, 1);
    const { calls, model } = recorder((batch) => (batch.includes('xxx') ? refused : null));
    const embed = batchedEmbed(model, 8);
    const results = await Promise.allSettled(texts(4).map((t) => embed(t, signal)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toBe(refused);
    expect(calls.map((c) => c.length)).toEqual([4, 1, 1, 1, 1]);
  });

  it('fails the whole batch at once when the server stays unavailable (no request per text)', async () => {
    const down = new RequestFailedError('embeddings failed after 6 attempts: 503', { retryable: true, overload: true, message: '503' }, 6);
    const { calls, model } = recorder(() => down);
    const embed = batchedEmbed(model, 8);
    const results = await Promise.allSettled(texts(5).map((t) => embed(t, signal)));
    expect(results.every((r) => r.status === 'rejected' && r.reason === down)).toBe(true);
    expect(calls).toHaveLength(1);
  });

  it('refuses vectors that do not match the texts one for one', async () => {
    const embed = batchedEmbed({ embed: async (t: string[]) => t.slice(1).map(() => Float32Array.of(0)) }, 4);
    const results = await Promise.allSettled(texts(3).map((t) => embed(t, signal)));
    for (const r of results) expect((r as PromiseRejectedResult).reason.message).toBe("the embedder returned 2 vectors for 3 texts: check the server's embeddings endpoint");
  });
});
