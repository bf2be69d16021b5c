import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../src/domain/events.js';
import { runCli } from '../cli/cli.js';
import { makeTinyLlama, realPython, type RealPython } from '../helpers/python.js';

/**
 * The openai engine against an OpenAI-compatible server that no one here wrote: `transformers
 * serve` (transformers 5), serving the tiny random Llama from a local folder on the CPU.
 */
const py = realPython(['torch', 'transformers', 'fastapi', 'uvicorn', 'openai']);
const skip = typeof py === 'string' ? py : undefined;
const TITLE = 'the openai engine against transformers serve';
const HANG_GUARD = 600_000;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe.skipIf(skip)(skip ? `${TITLE} — SKIPPED: ${skip}` : TITLE, () => {
  const python = py as RealPython;
  let root: string;
  let model: string;
  let baseUrl: string;
  let server: ChildProcess;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'baskets-tserve-'));
    model = makeTinyLlama(python, join(root, 'tiny-llama'));
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}/v1`;
    // Its model list reads the hub cache, which must exist; the model itself is a local folder.
    mkdirSync(join(root, 'hub'));
    server = spawn(join(python.python, '..', 'transformers'), ['serve', '--port', String(port), '--device', 'cpu', model], {
      env: { ...process.env, ...python.env, HF_HUB_CACHE: join(root, 'hub'), HF_HUB_OFFLINE: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    server.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    const exited = new Promise<never>((_, reject) => server.once('exit', (code) => reject(new Error(`transformers serve exited (${code}) before it answered:\n${output}`))));
    const healthy = vi.waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        expect(res.status).toBe(200);
      },
      { timeout: HANG_GUARD, interval: 250 },
    );
    await Promise.race([healthy, exited]);
    env = { ...python.env, BASKETS_CACHE_DIR: join(root, 'cache') };
  }, HANG_GUARD);
  afterAll(() => {
    server?.kill('SIGTERM');
  });

  it('probes what it serves truthfully: chat and streaming yes; log-probs, scoring and embeddings no, each saying why', () => {
    const result = runCli(['models', baseUrl, '--models', model, '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    const probe = JSON.parse(result.stdout) as { models: { model: string; chat: boolean; streaming: boolean; chatLogprobs: boolean; scoring: unknown; embeddings: boolean; notes: string[] }[] };
    expect(probe.models).toEqual([
      expect.objectContaining({ model, chat: true, streaming: true, chatLogprobs: false, scoring: null, embeddings: false }),
    ]);
    const notes = probe.models[0].notes.join('\n');
    // The local folder is served on demand but not listed: said, not refused.
    expect(notes).toContain("not in the server's list of models, but it answers for it (loaded on demand)");
    expect(notes).toContain('returns no chat log-probs: self-preference falls back to parsed verdicts');
    expect(notes).toContain('cannot score a given text: perplexity needs vLLM or SGLang');
    expect(notes).toContain('serves no embeddings for this model');
  });

  it('runs a study with it as a source and a judge, its verdicts read from text and the rest from builtin models', () => {
    const sessions = join(root, 'sessions');
    mkdirSync(join(sessions, 'served'), { recursive: true });
    const data = join(root, 'records.jsonl');
    writeFileSync(data, Array.from({ length: 40 }, (_, i) => JSON.stringify({ instruction: `Write about item ${i}.`, context: '', response: `Item ${i} is about the union and its law.` })).join('\n') + '\n');
    const session = {
      version: 1,
      name: 'served',
      createdAt: '2026-12-06T00:00:00.000Z',
      seed: 3,
      data: { source: { kind: 'file', path: data }, testFraction: 0.25 },
      models: [
        { id: 'ts', family: 'llama', size: 'small', roles: ['source', 'judge'], engine: { engine: 'openai', baseUrls: [baseUrl], model, concurrency: 4 }, generation: { maxTokens: 16 } },
        { id: 'fs', family: 'founders', size: 'small', roles: ['source', 'target'], engine: { engine: 'builtin', base: 'founders-small' }, generation: { maxTokens: 16 } },
      ],
      conditions: [
        { name: 'fs/vanilla', target: 'fs', kind: 'vanilla' },
        { name: 'fs/multi', target: 'fs', kind: 'multi', sources: [{ model: 'fs' }, { model: 'ts' }] },
      ],
      evaluation: { answers: 6, safety: { limit: 2, judge: 'fs' }, preference: { items: 2, judges: ['ts'] } },
    };
    writeFileSync(join(sessions, 'served', 'session.json'), JSON.stringify(session));
    const result = runCli(['--sessions', sessions, 'run', 'served', '--headless', '--json'], env, HANG_GUARD);
    const events = result.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as RunEvent);
    expect(events.filter((e) => e.type === 'step-finish').map((e) => [e.step, e.status]), result.stdout.slice(-2000)).toEqual(
      ['data', 'generate', 'assemble', 'train', 'answer', 'perplexity', 'diversity', 'safety', 'preference'].map((s) => [s, 'done']),
    );
    // Every train instruction answered by the server, none an error row.
    const rows = readFileSync(join(sessions, 'served', 'data', 'synthetic', 'ts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { error?: string; completionTokens?: number });
    expect(rows).toHaveLength(30);
    expect(rows.filter((r) => r.error)).toEqual([]);
    expect(rows.every((r) => (r.completionTokens ?? 0) > 0)).toBe(true);
    // Without chat log-probs, its verdicts can only be read from the reply's text: none came by weighing A against B.
    const preference = JSON.parse(readFileSync(join(sessions, 'served', 'results', 'preference.json'), 'utf8')) as { judges: { judge: string; methods: { logprobs: number } }[] };
    expect(preference.judges.find((j) => j.judge === 'ts')?.methods.logprobs).toBe(0);
  });
});
