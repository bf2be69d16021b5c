import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { BadRequestError, NotFoundError, toFile } from 'openai';
import { startServer, type RunningServer } from '../../src/engines/serve/index.js';
import { openTrainedBuiltin } from '../../src/engines/builtin/index.js';
import { dollyExamples } from '../generate/fixture.js';
import { logProbsOfSampled } from '../helpers/sampled.js';

/**
 * The fine-tuning jobs API end to end through the SDK: upload a chat-format JSONL, create a job
 * on a builtin base, poll it to success, read its metrics events and checkpoints, then chat
 * with the `ft:` model it produced — which has really learned the data.
 */

const BASE = 'founders-small';
const tmp = mkdtempSync(join(tmpdir(), 'baskets-serve-ft-'));
let server: RunningServer;
let client: OpenAI;

const dolly = dollyExamples(60);
const jsonl = dolly
  .map((r) => JSON.stringify({ messages: [{ role: 'system', content: 'Be helpful.' }, { role: 'user', content: r.instruction }, { role: 'assistant', content: r.response }] }))
  .join('\n');

beforeAll(async () => {
  server = await startServer({ port: 0, cacheDir: join(tmp, 'cache'), dataDir: join(tmp, 'data'), models: [BASE] });
  client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function waitFor(id: string): Promise<OpenAI.FineTuning.FineTuningJob> {
  for (;;) {
    const job = await client.fineTuning.jobs.retrieve(id);
    if (job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled') return job;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('fine-tuning jobs', () => {
  it('uploads, trains, reports metrics and checkpoints, and serves the ft model', async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from(jsonl), 'train.jsonl'), purpose: 'fine-tune' });
    expect(file).toMatchObject({ object: 'file', purpose: 'fine-tune', filename: 'train.jsonl', bytes: Buffer.byteLength(jsonl) });
    expect(await client.files.retrieve(file.id)).toEqual(file);

    const created = await client.fineTuning.jobs.create({ model: BASE, training_file: file.id, suffix: 'dolly', seed: 7, hyperparameters: { n_epochs: 2, batch_size: 8 } });
    expect(created).toMatchObject({ object: 'fine_tuning.job', model: BASE, training_file: file.id, fine_tuned_model: null, seed: 7 });
    expect(['queued', 'running']).toContain(created.status);

    const job = await waitFor(created.id);
    expect(job.status).toBe('succeeded');
    expect(job.fine_tuned_model).toMatch(/^ft:founders-small:baskets:dolly:/);
    expect(job.hyperparameters).toMatchObject({ n_epochs: 2, batch_size: 8 });

    const events = [];
    for await (const event of client.fineTuning.jobs.listEvents(job.id, { limit: 5 })) events.push(event);
    const metrics = events.filter((e) => e.type === 'metrics').map((e) => e.data as Record<string, number>);
    expect(metrics.length).toBeGreaterThan(2);
    const trained = metrics.filter((m) => m.train_loss !== undefined);
    expect(trained.every((m) => Number.isInteger(m.step) && m.step > 0 && m.train_loss > 0 && m.total_steps >= m.step)).toBe(true);
    expect(metrics.some((m) => m.valid_loss > 0)).toBe(true);
    expect(events[0].message).toMatch(/successfully completed/);

    const checkpoints = (await client.fineTuning.jobs.checkpoints.list(job.id)).data;
    expect(checkpoints.length).toBeGreaterThan(0);
    expect(checkpoints[0]).toMatchObject({ object: 'fine_tuning.job.checkpoint', fine_tuning_job_id: job.id });
    expect(checkpoints[0].fine_tuned_model_checkpoint).toContain(job.fine_tuned_model!);

    const listed = (await client.models.list()).data as unknown as Record<string, unknown>[];
    expect(listed.find((m) => m.id === job.fine_tuned_model)).toMatchObject({ parent: BASE, root: BASE, owned_by: 'baskets' });
    expect((await client.fineTuning.jobs.list()).data.map((j) => j.id)).toContain(job.id);

    const chat = await client.chat.completions.create({ model: job.fine_tuned_model!, messages: [{ role: 'user', content: dolly[0].instruction }], max_tokens: 20, seed: 3 });
    expect(chat.model).toBe(job.fine_tuned_model);
    expect(chat.choices[0].message.content!.length).toBeGreaterThan(0);

    // Training really happened: the ft model finds a training response far more likely than its base.
    const prompt = `${dolly[1].instruction}\n${dolly[1].response}`;
    const meanLogprob = async (model: string) => {
      const r = await client.completions.create({ model, prompt, echo: true, logprobs: 0, max_tokens: 0 });
      const lps = r.choices[0].logprobs!.token_logprobs!.slice(1) as number[];
      return lps.reduce((a, b) => a + b, 0) / lps.length;
    };
    expect(await meanLogprob(job.fine_tuned_model!)).toBeGreaterThan((await meanLogprob(BASE)) + 0.2);
    // …and the served ft model generates and scores exactly as the trained model opened in process.
    const local = await openTrainedBuiltin(join(tmp, 'data', 'models', job.id, 'model'), { cacheDir: join(tmp, 'cache') });
    const messages = [{ role: 'user' as const, content: dolly[0].instruction }];
    const mine = await local.generate(messages, { temperature: 1, topP: 1, maxTokens: 20, seed: 3 });
    expect(chat.choices[0].message.content).toBe(mine.text);
    const withLogprobs = await client.chat.completions.create({ model: job.fine_tuned_model!, messages, max_tokens: 20, seed: 3, logprobs: true });
    const content = withLogprobs.choices[0].logprobs!.content!;
    const scored = await logProbsOfSampled(local, messages, content.map((t) => t.bytes!));
    expect(content).toHaveLength(scored.length);
    content.forEach((t, i) => expect(t.logprob).toBeCloseTo(scored[i], 9));

    // A server restarted on the same data dir knows the upload, the job, and still serves the model.
    const again = await startServer({ port: 0, cacheDir: join(tmp, 'cache'), dataDir: join(tmp, 'data'), models: [BASE] });
    try {
      const client2 = new OpenAI({ baseURL: again.url, apiKey: 'unused', maxRetries: 0 });
      expect(await client2.files.retrieve(file.id)).toEqual(file);
      expect(await client2.fineTuning.jobs.retrieve(job.id)).toEqual(await client.fineTuning.jobs.retrieve(job.id));
      const served = await client2.chat.completions.create({ model: job.fine_tuned_model!, messages, max_tokens: 20, seed: 3 });
      expect(served.choices[0].message.content).toBe(mine.text);
    } finally {
      await again.close();
    }
  });

  it('with a validation_file, measures valid_loss on it and trains on the whole training file', async () => {
    const chatJsonl = (rows: typeof dolly) =>
      rows.map((r) => JSON.stringify({ messages: [{ role: 'user', content: r.instruction }, { role: 'assistant', content: r.response }] })).join('\n');
    const upload = async (text: string, name: string) => (await client.files.create({ file: await toFile(Buffer.from(text), name), purpose: 'fine-tune' })).id;
    // 41 examples in batches of 8: 6 steps an epoch when all are trained on, 5 when 10% are held out.
    const training = await upload(chatJsonl(dolly.slice(0, 41)), 'train.jsonl');
    const unseen = await upload(chatJsonl(dolly.slice(41, 60)), 'valid.jsonl');
    const run = async (validation: string | undefined) => {
      const created = await client.fineTuning.jobs.create({
        model: BASE,
        training_file: training,
        ...(validation && { validation_file: validation }),
        seed: 11,
        hyperparameters: { n_epochs: 2, batch_size: 8 },
      });
      const job = await waitFor(created.id);
      expect(job.status).toBe('succeeded');
      expect(job.validation_file).toBe(validation ?? null);
      const events = [];
      for await (const event of client.fineTuning.jobs.listEvents(job.id)) events.push(event);
      const metrics = events
        .filter((e) => e.type === 'metrics')
        .map((e) => e.data as Record<string, number>)
        .reverse();
      return { events, metrics, final: metrics.at(-1)!, trainLosses: metrics.filter((m) => m.train_loss !== undefined).map((m) => m.train_loss) };
    };

    const onUnseen = await run(unseen);
    expect(onUnseen.final.total_steps).toBe(12);
    expect(onUnseen.events.some((e) => e.message.includes('41 training examples, 19 validation examples'))).toBe(true);
    const heldOut = await run(undefined);
    expect(heldOut.final.total_steps).toBe(10);
    // Validating on the training data itself: the same training, a lower loss than on unseen text.
    const onTraining = await run(training);
    expect(onTraining.trainLosses).toEqual(onUnseen.trainLosses);
    expect(onTraining.final.valid_loss).toBeGreaterThan(0);
    expect(onTraining.final.valid_loss).toBeLessThan(onUnseen.final.valid_loss);
    expect(onUnseen.metrics[0].valid_loss).not.toBe(heldOut.metrics[0].valid_loss);

    const bad = await upload('not json\n', 'bad-valid.jsonl');
    const err = (await client.fineTuning.jobs.create({ model: BASE, training_file: training, validation_file: bad }).catch((e: unknown) => e)) as BadRequestError;
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.param).toBe('validation_file');
    expect(err.message).toMatch(/^400 Validation file file-\S+ line 1 is not valid JSON/);
  });

  it('cancels a running job', async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from(jsonl), 'train.jsonl'), purpose: 'fine-tune' });
    const created = await client.fineTuning.jobs.create({ model: BASE, training_file: file.id, hyperparameters: { n_epochs: 50, batch_size: 1 } });
    const cancelled = await client.fineTuning.jobs.cancel(created.id);
    expect(cancelled.status).toBe('cancelled');
    const after = await waitFor(created.id);
    expect(after.status).toBe('cancelled');
    expect(after.fine_tuned_model).toBeNull();
    await expect(client.fineTuning.jobs.cancel(created.id)).rejects.toMatchObject({ status: 409 });
  });

  it('a job cut off by a server restart is reported failed by the next server on that data dir', async () => {
    const dataDir = join(tmp, 'restart');
    const first = await startServer({ port: 0, cacheDir: join(tmp, 'cache'), dataDir, models: [BASE] });
    const c1 = new OpenAI({ baseURL: first.url, apiKey: 'unused', maxRetries: 0 });
    const file = await c1.files.create({ file: await toFile(Buffer.from(jsonl), 'train.jsonl'), purpose: 'fine-tune' });
    const created = await c1.fineTuning.jobs.create({ model: BASE, training_file: file.id, hyperparameters: { n_epochs: 50, batch_size: 1 } });
    await expect.poll(async () => (await c1.fineTuning.jobs.retrieve(created.id)).status).toBe('running');
    await first.close();
    const second = await startServer({ port: 0, cacheDir: join(tmp, 'cache'), dataDir, models: [BASE] });
    try {
      const job = await new OpenAI({ baseURL: second.url, apiKey: 'unused', maxRetries: 0 }).fineTuning.jobs.retrieve(created.id);
      expect(job.status).toBe('failed');
      expect(job.error?.code).toBe('server_stopped');
    } finally {
      await second.close();
    }
  });

  it('without a data dir, keeps uploads and jobs in a temp folder that closing removes, after the running job stops', async () => {
    const previous = process.env.TMPDIR;
    const scratch = join(tmp, 'scratch');
    mkdirSync(scratch);
    process.env.TMPDIR = scratch; // os.tmpdir() reads it on every call
    let server: RunningServer | undefined;
    try {
      server = await startServer({ port: 0, cacheDir: join(tmp, 'cache'), models: [BASE] });
      const c = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
      const file = await c.files.create({ file: await toFile(Buffer.from(jsonl), 'train.jsonl'), purpose: 'fine-tune' });
      const created = await c.fineTuning.jobs.create({ model: BASE, training_file: file.id, hyperparameters: { n_epochs: 50, batch_size: 1 } });
      await expect.poll(async () => (await c.fineTuning.jobs.retrieve(created.id)).status).toBe('running');
      expect(readdirSync(scratch)).toHaveLength(1);
      await server.close();
      server = undefined;
      expect(readdirSync(scratch)).toEqual([]);
      // Nothing the stopped job still had in hand writes there afterwards.
      await new Promise((r) => setTimeout(r, 300));
      expect(readdirSync(scratch)).toEqual([]);
    } finally {
      await server?.close();
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
  });

  it('refuses bad uploads and jobs with errors that name the problem', async () => {
    const bad = await client.files.create({ file: await toFile(Buffer.from('{"messages": []}\nnot json\n'), 'bad.jsonl'), purpose: 'fine-tune' });
    const err = (await client.fineTuning.jobs.create({ model: BASE, training_file: bad.id }).catch((e: unknown) => e)) as BadRequestError;
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.message).toMatch(/line 1/);
    expect(err.param).toBe('training_file');
    await expect(client.fineTuning.jobs.create({ model: BASE, training_file: 'file-missing' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.fineTuning.jobs.create({ model: 'gpt-9', training_file: bad.id })).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.fineTuning.jobs.retrieve('ftjob-nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.files.create({ file: await toFile(Buffer.from('x'), 'a.txt'), purpose: 'batch' })).rejects.toBeInstanceOf(BadRequestError);
  });
});
