import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepEvent } from '../../src/domain/events.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { Session } from '../../src/domain/session.js';
import type { StepContext } from '../../src/pipeline/step.js';
import { createTrainStep } from '../../src/pipeline/steps/train.js';
import { loadLoraAdapter } from '../../src/trainers/hf/serve.js';
import { readTrainedModel } from '../../src/trainers/trained-model.js';

const STANDIN = join(import.meta.dirname, 'fixtures', 'standin_trainer.py');
const step = createTrainStep({ hf: { launcher: ['python3'], script: STANDIN, nvidiaSmi: false } });

/** A stand-in for vLLM's runtime LoRA endpoint on loopback, answering as vLLM does. */
let vllm: Server;
let vllmUrl: string;
const loads: { body: { lora_name: string; lora_path: string }; auth?: string }[] = [];
beforeAll(async () => {
  vllm = createServer(async (req: IncomingMessage, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/load_lora_adapter') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
      return;
    }
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text);
    if (loads.some((l) => l.body.lora_name === body.lora_name)) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(`{"message":"The lora adapter '${body.lora_name}' has already been loaded."}`);
      return;
    }
    loads.push({ body, auth: req.headers.authorization });
    res.writeHead(200).end(`Success: LoRA adapter '${body.lora_name}' added successfully.`);
  });
  await new Promise<void>((resolve) => vllm.listen(0, '127.0.0.1', resolve));
  vllmUrl = `http://127.0.0.1:${(vllm.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((resolve) => vllm.close(() => resolve())));

function context(serveBaseUrl?: string, dir = mkdtempSync(join(tmpdir(), 'baskets-hfstep-'))): StepContext {
  const session = Session.parse({
    version: 1,
    name: 'hf test',
    createdAt: '2026-01-01T00:00:00Z',
    data: { source: { kind: 'builtin', name: 'sotu-continuations' } },
    models: [
      {
        id: 'qwen-s',
        family: 'qwen',
        size: 'small',
        roles: ['target'],
        engine: { engine: 'openai', baseUrls: [vllmUrl], model: 'Qwen/Qwen2.5-0.5B-Instruct', apiKeyEnv: 'BASKETS_TEST_VLLM_KEY' },
        trainer: { kind: 'hf', baseModel: 'standin:ok', ...(serveBaseUrl ? { serveBaseUrl } : {}) },
      },
    ],
    conditions: [{ name: 'qwen-s/human', target: 'qwen-s', kind: 'human' }],
  });
  const paths = sessionPaths(dir);
  mkdirSync(join(dir, 'datasets'), { recursive: true });
  writeFileSync(paths.dataset('qwen-s/human'), '{"exampleId":"1","origin":"human","instruction":"Say hi","context":"","response":"hi"}\n');
  const notUsed = () => Promise.reject(new Error('not used'));
  return { session, paths, models: { model: notUsed, forCondition: notUsed }, options: { retryErrors: false, strict: false }, signal: new AbortController().signal, now: Date.now };
}

async function run(ctx: StepContext): Promise<StepEvent[]> {
  const events: StepEvent[] = [];
  for await (const e of step(ctx)) events.push(e);
  return events;
}

describe('train step with the hf trainer', () => {
  it('trains through the launcher, shows the serve command, and registers the adapter once a vLLM endpoint is set', async () => {
    const first = context();
    const events = await run(first);
    expect(events.filter((e) => e.type === 'train-metrics').map((e) => e.type === 'train-metrics' && [e.task, e.metrics.loss])).toEqual([
      ['qwen-s/human', 2.5],
      ['qwen-s/human', 2],
      ['qwen-s/human', 1.5],
      ['qwen-s/human', 1],
    ]);
    const runDir = first.paths.runDir('qwen-s/human');
    const unserved = readTrainedModel(runDir);
    expect(unserved).toMatchObject({ kind: 'unserved', adapterDir: join(runDir, 'adapter') });
    // The served name carries the session, the condition, and what the adapter was trained on.
    const served = (unserved as { serveCommand: string[] }).serveCommand.join(' ').match(/--lora-modules (hf-test--qwen-s-human--[0-9a-f]{8})=/)?.[1];
    expect(served).toBeDefined();
    expect(events.some((e) => e.type === 'log' && e.message.includes(`vllm serve standin:ok --enable-lora --lora-modules ${served}=${join(runDir, 'adapter')}`))).toBe(true);

    process.env.BASKETS_TEST_VLLM_KEY = 'sk-test-secret';
    try {
      // Setting the endpoint is not a new recipe: the adapter is registered, not trained again.
      const again = await run(context(vllmUrl, first.paths.dir));
      expect(again.some((e) => e.type === 'train-metrics')).toBe(false);
      expect(loads).toContainEqual({ body: { lora_name: served, lora_path: join(runDir, 'adapter') }, auth: 'Bearer sk-test-secret' });
      expect(readTrainedModel(runDir)).toEqual({ kind: 'openai', baseUrl: vllmUrl, model: served, apiKeyEnv: 'BASKETS_TEST_VLLM_KEY', trainedOn: unserved!.trainedOn });
      expect(readFileSync(join(runDir, 'model.json'), 'utf8')).not.toContain('sk-test-secret');
      expect(JSON.stringify(again)).not.toContain('sk-test-secret');

      // A new dataset: retrained, and served under a new name (vLLM keeps an already loaded name's old adapter).
      const retrain = context(vllmUrl, first.paths.dir);
      writeFileSync(retrain.paths.dataset('qwen-s/human'), '{"exampleId":"1","origin":"human","instruction":"Say hi","context":"","response":"hello"}\n');
      const third = await run(retrain);
      expect(third.filter((e) => e.type === 'train-metrics')).toHaveLength(4);
      const retrained = readTrainedModel(runDir);
      expect(retrained).toMatchObject({ kind: 'openai', model: expect.stringMatching(/^hf-test--qwen-s-human--[0-9a-f]{8}$/) });
      expect(retrained!.kind === 'openai' && retrained!.model).not.toBe(served);
      expect(loads.at(-1)?.body.lora_name).toBe(retrained!.kind === 'openai' && retrained!.model);
    } finally {
      delete process.env.BASKETS_TEST_VLLM_KEY;
    }
  });

  it('treats an adapter already loaded under the name as loaded, and explains a server without runtime LoRA', async () => {
    loads.push({ body: { lora_name: 'taken', lora_path: '/x' } });
    expect(await loadLoraAdapter(vllmUrl, 'taken', '/x')).toBe('already-loaded');
    await expect(loadLoraAdapter(vllmUrl.replace('/v1', '/nope/v1'), 'a', '/x')).rejects.toThrow(/VLLM_ALLOW_RUNTIME_LORA_UPDATING=True/);
    await expect(loadLoraAdapter('http://127.0.0.1:9/v1', 'a', '/x')).rejects.toThrow(/cannot reach the vLLM server .* fix trainer.serveBaseUrl/);
  });
});
