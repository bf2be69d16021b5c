import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { expect, it } from 'vitest';
import { runServe } from '../../src/engines/serve/index.js';
import { pretrainingLogger } from '../../src/engines/serve/builtin-engine.js';
import { clearLoadedBases } from '../../src/engines/builtin/pretrain.js';

it('runServe prints the base URL, serves, and closes on SIGTERM', async () => {
  expect(process.listenerCount('SIGTERM')).toBe(0); // nothing else in this worker reacts to the emitted signal
  const lines: string[] = [];
  const done = runServe({ port: 0, instant: true, models: [] }, (line) => lines.push(line));
  await expect.poll(() => lines.find((l) => l.startsWith('OpenAI base URL: '))).toBeDefined();
  const url = lines.find((l) => l.startsWith('OpenAI base URL: '))!.slice('OpenAI base URL: '.length);
  expect((await fetch(`${url}/models`)).status).toBe(200);
  process.emit('SIGTERM');
  await done;
  expect(lines.at(-1)).toBe('closing the server');
  await expect(fetch(`${url}/models`)).rejects.toThrow();
  expect(process.listenerCount('SIGTERM')).toBe(0);
});

it('baskets serve logs the pretraining of a base on first use, and nothing once it is cached', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'baskets-serve-progress-'));
  const serveOnce = async () => {
    const lines: string[] = [];
    const done = runServe({ port: 0, cacheDir, models: ['founders-small'] }, (line) => lines.push(line));
    await expect.poll(() => lines.find((l) => l.startsWith('OpenAI base URL: '))).toBeDefined();
    const url = lines.find((l) => l.startsWith('OpenAI base URL: '))!.slice('OpenAI base URL: '.length);
    const client = new OpenAI({ baseURL: url, apiKey: 'unused', maxRetries: 0 });
    await client.chat.completions.create({ model: 'founders-small', messages: [{ role: 'user', content: 'The Union' }], max_tokens: 2 });
    process.emit('SIGTERM');
    await done;
    return lines.filter((l) => l.startsWith('pretraining '));
  };
  const first = await serveOnce();
  expect(first[0]).toBe('pretraining founders: training tokenizer: 0/1 tokenizers (first use of founders-small; cached afterwards)');
  expect(first).toContain('pretraining founders-small: saving: 1/1 files');
  const counting = first.filter((l) => l.startsWith('pretraining founders-small: counting 3-grams: '));
  expect(counting.length).toBeGreaterThan(0);
  expect(counting.at(-1)).toMatch(/: (\d+)\/\1 documents$/);
  clearLoadedBases();
  expect(await serveOnce()).toEqual([]);
});

it('pretraining log lines: one per phase, then at most one every two seconds until the phase ends', () => {
  const lines: string[] = [];
  let t = 0;
  const onProgress = pretrainingLogger((l) => lines.push(l), () => t);
  const at = (ms: number, done: number) => {
    t = ms;
    onProgress({ base: 'b', phase: 'b: counting', done, total: 10, unit: 'documents' });
  };
  at(0, 1);
  at(500, 2);
  at(2100, 3);
  at(2200, 10);
  expect(lines).toEqual(['pretraining b: counting: 1/10 documents', 'pretraining b: counting: 3/10 documents', 'pretraining b: counting: 10/10 documents']);
});
