import { getEventListeners } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinInstructionSet } from '../../src/engines/builtin/index.js';
import { startServer, type RunningServer } from '../../src/engines/serve/index.js';
import { TrainerConfig } from '../../src/domain/session.js';
import { readTrainMetrics } from '../../src/trainers/metrics-file.js';
import { trainWithOpenAI, type OpenAIFtConfig } from '../../src/trainers/openai-ft.js';
import type { TrainerEvent, TrainJob } from '../../src/trainers/types.js';

let server: RunningServer;
const client = () => new OpenAI({ baseURL: server.url, apiKey: 'none' });

beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, models: ['founders-small'], cacheDir: mkdtempSync(join(tmpdir(), 'baskets-cache-')) });
});
afterAll(async () => {
  await server?.close();
});

function setup(examples: number, epochs?: number, signal = new AbortController().signal) {
  const runDir = mkdtempSync(join(tmpdir(), 'baskets-ft-'));
  const datasetPath = join(runDir, 'dataset.jsonl');
  const rows = builtinInstructionSet()
    .slice(0, examples)
    .map((e) => JSON.stringify({ exampleId: e.id, origin: 'human', instruction: e.instruction, context: e.context, response: e.response }));
  writeFileSync(datasetPath, rows.join('\n') + '\n');
  const job: TrainJob = { name: 'founders/human', datasetPath, runDir, seed: 3, signal };
  const cfg = TrainerConfig.parse({ kind: 'openai-ft', baseUrl: server.url, baseModel: 'founders-small', ...(epochs ? { epochs } : {}) }) as OpenAIFtConfig;
  return { job, cfg, runDir };
}

async function drain(gen: AsyncGenerator<TrainerEvent>, onEvent: (e: TrainerEvent) => boolean | void = () => {}): Promise<TrainerEvent[]> {
  const events: TrainerEvent[] = [];
  for await (const e of gen) {
    events.push(e);
    if (onEvent(e) === false) break;
  }
  return events;
}

describe('openai-ft trainer against baskets serve', () => {
  it('uploads, creates the job, streams its metrics and registers the fine-tuned model', async () => {
    const { job, cfg, runDir } = setup(60, 2);
    const events = await drain(trainWithOpenAI(job, cfg, { pollMs: 20 }));

    const metrics = events.flatMap((e) => (e.type === 'metrics' ? [e.metrics] : []));
    expect(metrics.length).toBeGreaterThan(3);
    expect(metrics.map((m) => m.step)).toEqual([...metrics.map((m) => m.step)].sort((a, b) => a - b));
    const losses = metrics.flatMap((m) => (m.loss === undefined ? [] : [m.loss]));
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    expect(metrics.every((m) => m.totalSteps >= m.step)).toBe(true);
    // Kept in the run folder, where the notebook redraws the curve after a resume.
    expect(await readTrainMetrics(runDir)).toEqual(metrics);
    expect(events.some((e) => e.type === 'log' && /created fine-tuning job ftjob-/.test(e.message))).toBe(true);

    const trained = events.at(-1);
    expect(trained?.type).toBe('trained');
    const model = trained?.type === 'trained' ? trained.model : null;
    expect(model).toMatchObject({ kind: 'openai', baseUrl: server.url });
    const modelId = model?.kind === 'openai' ? model.model : '';
    expect(modelId).toMatch(/^ft:founders-small:/);
    expect((await client().models.list()).data.map((m) => m.id)).toContain(modelId);

    // The uploaded file is chat-format JSONL, and the job id is kept for re-attaching.
    const first = JSON.parse(readFileSync(join(runDir, 'openai-train.jsonl'), 'utf8').split('\n')[0]);
    expect(first.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    const record = JSON.parse(readFileSync(join(runDir, 'openai-job.json'), 'utf8'));
    expect(record.jobId).toMatch(/^ftjob-/);
    expect(JSON.stringify(record)).not.toMatch(/apiKey|none/);
  });

  it('re-attaches to its job after a restart instead of creating a new one, and yields no event twice', async () => {
    const { job, cfg, runDir } = setup(120, 20);
    // The first runner goes away (as if killed) after a few metrics, while the job runs on.
    let metricsSeen = 0;
    const before = await drain(trainWithOpenAI(job, cfg, { pollMs: 20 }), (e) => !(e.type === 'metrics' && ++metricsSeen === 3));
    const jobId = JSON.parse(readFileSync(join(runDir, 'openai-job.json'), 'utf8')).jobId;
    const after = await drain(trainWithOpenAI(job, cfg, { pollMs: 20 }));
    expect(after.some((e) => e.type === 'log' && e.message.includes(`re-attached to fine-tuning job ${jobId}`))).toBe(true);
    expect(after.some((e) => e.type === 'log' && e.message.startsWith('created'))).toBe(false);
    expect(after.at(-1)?.type).toBe('trained');
    expect((await client().fineTuning.jobs.retrieve(jobId)).status).toBe('succeeded');

    // What both runners wrote to the event log, together: every step once, in order, and the
    // second picks up where the first stopped (the loss chart never jumps back to step 1).
    const steps = (events: TrainerEvent[]) => events.flatMap((e) => (e.type === 'metrics' ? [e.metrics.step] : []));
    expect(steps(before)).toHaveLength(3);
    const all = [...steps(before), ...steps(after)];
    expect(all).toEqual([...new Set(all)].sort((a, b) => a - b));
    expect(steps(after)[0]).toBeGreaterThan(steps(before)[2]);
    const messages = [...before, ...after].flatMap((e) => (e.type === 'log' && !e.message.startsWith('re-attached') ? [e.message] : []));
    expect(messages).toEqual([...new Set(messages)]);
  });

  it('on re-attach skips the steps already logged when the last event it saw is no longer listed', async () => {
    const { job, cfg, runDir } = setup(120, 20);
    let metricsSeen = 0;
    const before = await drain(trainWithOpenAI(job, cfg, { pollMs: 20 }), (e) => !(e.type === 'metrics' && ++metricsSeen === 3));
    const file = join(runDir, 'openai-job.json');
    const record = JSON.parse(readFileSync(file, 'utf8'));
    // As if the API had dropped its oldest events from the listing.
    writeFileSync(file, JSON.stringify({ ...record, seen: { ...record.seen, lastEventId: 'ftevent-aged-out' } }));
    const after = await drain(trainWithOpenAI(job, cfg, { pollMs: 20 }));
    const steps = (events: TrainerEvent[]) => events.flatMap((e) => (e.type === 'metrics' ? [e.metrics.step] : []));
    const all = [...steps(before), ...steps(after)];
    expect(all).toEqual([...new Set(all)].sort((a, b) => a - b));
    expect(after.at(-1)?.type).toBe('trained');
  });

  it("leaves no abort listeners on the run's signal however often it polls", async () => {
    // The runner's signal lives for the whole run; a job polled every 10 s for hours must not grow it.
    const abort = new AbortController();
    const { job, cfg } = setup(120, 20, abort.signal);
    // Polled every 5 ms for the job's whole run: without a signal per round, some 80 pile up here.
    const events = await drain(trainWithOpenAI(job, cfg, { pollMs: 5 }));
    expect(events.at(-1)?.type).toBe('trained');
    expect(getEventListeners(abort.signal, 'abort').length).toBeLessThanOrEqual(4);
  });

  it('cancels the hosted job when the run is cancelled', async () => {
    const abort = new AbortController();
    const { job, cfg, runDir } = setup(120, 40, abort.signal);
    await expect(
      drain(trainWithOpenAI(job, cfg, { pollMs: 20 }), (e) => {
        if (e.type === 'metrics') abort.abort(new Error('cancelled'));
      }),
    ).rejects.toThrow('cancelled');
    const jobId = JSON.parse(readFileSync(join(runDir, 'openai-job.json'), 'utf8')).jobId;
    expect((await client().fineTuning.jobs.retrieve(jobId)).status).toBe('cancelled');
  });

  it('asks for the API key variable by name, without leaking anything', async () => {
    const { job, runDir } = setup(5);
    const cfg = TrainerConfig.parse({ kind: 'openai-ft', baseUrl: server.url, baseModel: 'founders-small', apiKeyEnv: 'BASKETS_TEST_UNSET_KEY' }) as OpenAIFtConfig;
    await expect(drain(trainWithOpenAI(job, cfg))).rejects.toThrow('set the environment variable BASKETS_TEST_UNSET_KEY to the API key for');
    expect(existsSync(join(runDir, 'openai-job.json'))).toBe(false);
  });
});
