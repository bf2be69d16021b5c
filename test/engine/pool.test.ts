import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openBuiltinModel } from '../../src/engines/builtin/index.js';
import { openFromSource } from '../../src/engines/builtin/open.js';
import type { BuiltinModel } from '../../src/engines/builtin/model.js';
import { closeBuiltinPool } from '../../src/engines/builtin/pool.js';
import { loadBase, type Progress } from '../../src/engines/builtin/pretrain.js';
import type { LanguageModel } from '../../src/domain/models.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'baskets-pool-'));
const ask = (i: number) => [{ role: 'user' as const, content: `Continue this passage ${i}.\nThe revenue of the Government has increased, and the public debt` }];
const params = { temperature: 0.9, topP: 0.95, maxTokens: 60, seed: 11 };

let pooled: LanguageModel;
let inThread: BuiltinModel;
beforeAll(async () => {
  pooled = await openBuiltinModel('founders-small', { cacheDir });
  inThread = await openFromSource({ cacheDir, base: 'founders-small' }, false);
});

describe('the builtin pool', () => {
  it('answers many requests at once exactly as the model does on this thread', async () => {
    const requests = Array.from({ length: 12 }, (_, i) => i);
    const fromPool = await Promise.all(requests.map((i) => pooled.generate(ask(i), { ...params, seed: params.seed + i })));
    for (const i of requests) expect(fromPool[i]).toEqual(await inThread.generate(ask(i), { ...params, seed: params.seed + i }));

    const answer = fromPool[0].text;
    expect(await pooled.score(ask(0), answer)).toEqual(await inThread.score(ask(0), answer));
    expect(await pooled.rate('What of the debt?', answer)).toEqual(await inThread.rate('What of the debt?', answer));
    expect(await pooled.judgePair('What of the debt?', answer, fromPool[1].text)).toEqual(await inThread.judgePair('What of the debt?', answer, fromPool[1].text));
    expect(await pooled.embed([answer, fromPool[1].text])).toEqual(await inThread.embed([answer, fromPool[1].text]));
  });

  it('streams the deltas of a pooled generation as they come', async () => {
    let streamed = '';
    const g = await pooled.generate(ask(1), params, { onDelta: (d) => (streamed += d.text) });
    expect(streamed).toBe(g.text);
  });

  it('drops a cancelled request, running or queued, and goes on answering the next', async () => {
    const controller = new AbortController();
    const long = { temperature: 1, topP: 1, maxTokens: 8000, seed: 3 };
    const cancelled = Array.from({ length: 4 }, (_, i) => pooled.generate(ask(i), { ...long, seed: i }, { signal: controller.signal }));
    controller.abort(new Error('cancelled by the user'));
    for (const request of cancelled) await expect(request).rejects.toThrow('cancelled by the user');
    expect(await pooled.generate(ask(2), params)).toEqual(await inThread.generate(ask(2), params));
  });

  it('pretrains bases missing from the cache on its threads, with their progress, into the packs this thread would write', async () => {
    const onPool = mkdtempSync(join(tmpdir(), 'baskets-pool-pretrain-'));
    const here = mkdtempSync(join(tmpdir(), 'baskets-here-pretrain-'));
    const bases = ['founders-small', 'industrial-small'];
    const progress: Progress[] = [];
    const opened = await Promise.all(bases.map((base) => openBuiltinModel(base, { cacheDir: onPool, onProgress: (p) => progress.push(p) })));
    for (const base of bases) {
      expect(progress.some((p) => p.base === base && p.phase.includes('counting') && p.done === p.total)).toBe(true);
      await loadBase(base, { cacheDir: here });
      expect(readFileSync(join(onPool, `${base}.pack`)).equals(readFileSync(join(here, `${base}.pack`))), base).toBe(true);
    }
    // The thread that pretrained a base answers with it as a model opened from the pack does.
    const fromPack = await openFromSource({ cacheDir: here, base: 'industrial-small' }, false);
    expect(await opened[1].generate(ask(5), params)).toEqual(await fromPack.generate(ask(5), params));
  });

  it('rejects what it was running when closed, and the next request starts a new pool', async () => {
    const running = pooled.generate(ask(3), { temperature: 1, topP: 1, maxTokens: 8000, seed: 5 });
    closeBuiltinPool();
    await expect(running).rejects.toThrow('the worker pool was closed');
    expect(await pooled.generate(ask(4), params)).toEqual(await inThread.generate(ask(4), params));
  });
});
