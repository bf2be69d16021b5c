import { createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import type { FineTuningJob, FineTuningJobEvent } from 'openai/resources/fine-tuning/jobs/jobs';
import type { TrainMetrics } from '../domain/events.js';
import type { TrainerConfig } from '../domain/session.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { sanitizeLine } from '../util/sanitize.js';
import { chatLine, readTrainingExamples, splitHeldOut } from './dataset.js';
import { appendTrainMetrics } from './metrics-file.js';
import type { TrainerEvent, TrainJob } from './types.js';

export type OpenAIFtConfig = Extract<TrainerConfig, { kind: 'openai-ft' }>;

export interface OpenAIFtOptions {
  /** How often the job's status, events and checkpoints are polled. */
  pollMs?: number;
}

const OPENAI_BASE_URL = 'https://api.openai.com/v1';
/** The job a run dir belongs to, so a restarted runner re-attaches instead of paying for a new one. */
const JOB_FILE = 'openai-job.json';

interface JobRecord {
  jobId: string;
  baseUrl: string;
  trainingFile: string;
  validationFile?: string;
  /** What this run dir already yielded, so a re-attached runner does not log it again. */
  seen?: SeenProgress;
}

interface SeenProgress {
  /** The newest job event handled; the API lists newest first, so everything from it on is old. */
  lastEventId?: string;
  /** The last metrics step yielded: the guard when lastEventId has aged out of the listing. */
  lastStep?: number;
  checkpoints: string[];
}

/**
 * Hosted fine-tuning through the OpenAI SDK (OpenAI itself or any server with the fine-tuning
 * jobs API, such as `baskets serve`): upload the chat JSONL, create the job, then poll its
 * status, events (metrics events carry step and train/valid loss) and checkpoints until it
 * ends. Aborting cancels the job. The API key is read from the environment and never stored.
 */
export async function* trainWithOpenAI(job: TrainJob, cfg: OpenAIFtConfig, opts: OpenAIFtOptions = {}): AsyncGenerator<TrainerEvent> {
  const baseUrl = cfg.baseUrl ?? OPENAI_BASE_URL;
  const apiKeyEnv = cfg.apiKeyEnv ?? (cfg.baseUrl ? undefined : 'OPENAI_API_KEY');
  const apiKey = apiKeyEnv ? process.env[apiKeyEnv] : 'none';
  if (!apiKey) throw new Error(`set the environment variable ${apiKeyEnv} to the API key for ${baseUrl} (trainer.apiKeyEnv names it)`);
  const client = new OpenAI({ baseURL: baseUrl, apiKey, maxRetries: 3 });
  const { signal } = job;
  const pollMs = opts.pollMs ?? 10_000;

  let ftJob: FineTuningJob | null = null;
  let record: JobRecord | null = null;
  try {
    const previous = readJobRecord(job.runDir);
    if (previous?.baseUrl === baseUrl) {
      ftJob = await client.fineTuning.jobs.retrieve(previous.jobId, { signal }).catch((err) => {
        if (err instanceof OpenAI.NotFoundError) return null;
        throw err;
      });
      if (ftJob && (ftJob.status === 'cancelled' || ftJob.status === 'failed')) {
        yield { type: 'log', level: 'warn', message: `earlier job ${ftJob.id} ${ftJob.status}; starting a new one` };
        ftJob = null;
      } else if (ftJob) {
        record = previous;
        yield { type: 'log', level: 'info', message: `re-attached to fine-tuning job ${ftJob.id} (${ftJob.status})` };
      }
    }
    if (!ftJob || !record) {
      const uploaded = await uploadDataset(client, job, baseUrl);
      ftJob = await client.fineTuning.jobs.create(
        {
          model: cfg.baseModel,
          training_file: uploaded.trainingFile,
          ...(uploaded.validationFile ? { validation_file: uploaded.validationFile } : {}),
          ...(cfg.epochs ? { hyperparameters: { n_epochs: cfg.epochs } } : {}),
          suffix: job.name.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 40),
          seed: job.seed % 2 ** 31,
        },
        { signal },
      );
      record = { ...uploaded, jobId: ftJob.id };
      writeJsonAtomic(join(job.runDir, JOB_FILE), record);
      yield { type: 'log', level: 'info', message: `created fine-tuning job ${ftJob.id} on ${cfg.baseModel}` };
    }

    // Each event is recorded as seen just before it is handed on (a consumer that stops early
    // never resumes the generator), so a restarted runner resumes after it instead of replaying
    // the job's history into the event log.
    let seen: SeenProgress = record.seen ?? { checkpoints: [] };
    const jobRecord = record;
    const remember = (patch: Partial<SeenProgress>) => {
      seen = { ...seen, ...patch };
      writeJsonAtomic(join(job.runDir, JOB_FILE), { ...jobRecord, seen });
    };
    let totalSteps = seen.lastStep ?? 0;
    for (;;) {
      // The SDK never removes the abort listener it adds to a request's signal: one signal per
      // poll round keeps a job polled for hours from piling thousands onto the run's signal.
      const round = AbortSignal.any([signal]);
      const { events, reachedLastSeen } = await newEvents(client, ftJob.id, seen.lastEventId, round);
      for (const event of events) {
        const metrics = event.type === 'metrics' ? metricsFromEvent(event.data, totalSteps) : null;
        const replayed = !reachedLastSeen && metrics !== null && seen.lastStep !== undefined && metrics.step <= seen.lastStep;
        remember({ lastEventId: event.id, ...(metrics && !replayed ? { lastStep: metrics.step } : {}) });
        if (metrics && !replayed) {
          totalSteps = metrics.totalSteps;
          // The curve is kept in the run folder too: a resumed runner does not replay the job's history.
          appendTrainMetrics(job.runDir, metrics);
          yield { type: 'metrics', metrics };
        } else if (event.type !== 'metrics' && reachedLastSeen) {
          // Without the cut point a log event cannot be told new from replayed: left out.
          yield { type: 'log', level: event.level, message: sanitizeLine(event.message) };
        }
      }
      for await (const checkpoint of client.fineTuning.jobs.checkpoints.list(ftJob.id, { limit: 100 }, { signal: round })) {
        if (seen.checkpoints.includes(checkpoint.id)) continue;
        remember({ checkpoints: [...seen.checkpoints, checkpoint.id] });
        yield { type: 'log', level: 'info', message: `checkpoint at step ${checkpoint.step_number}: ${checkpoint.fine_tuned_model_checkpoint}` };
      }
      if (ftJob.status === 'succeeded') {
        if (!ftJob.fine_tuned_model) throw new Error(`job ${ftJob.id} succeeded without naming its model`);
        yield { type: 'trained', model: { kind: 'openai', baseUrl, model: ftJob.fine_tuned_model, ...(apiKeyEnv ? { apiKeyEnv } : {}) } };
        return;
      }
      if (ftJob.status === 'failed') throw new Error(`fine-tuning job ${ftJob.id} failed: ${ftJob.error?.message ?? 'no reason given'}`);
      if (ftJob.status === 'cancelled') throw new Error(`fine-tuning job ${ftJob.id} was cancelled outside baskets: rerun train to start a new one`);
      await sleep(pollMs, undefined, { signal });
      ftJob = await client.fineTuning.jobs.retrieve(ftJob.id, { signal: round });
    }
  } catch (err) {
    if (signal.aborted) throw signal.reason ?? err;
    if (err instanceof OpenAI.APIError) throw new Error(`fine-tuning at ${baseUrl} failed: ${err.message}`, { cause: err });
    throw err;
  } finally {
    // Also reached when the consumer stops early after an abort: never leave a paid job running.
    if (signal.aborted && ftJob && !['succeeded', 'failed', 'cancelled'].includes(ftJob.status)) {
      await client.fineTuning.jobs.cancel(ftJob.id).catch(() => {});
    }
  }
}

async function uploadDataset(client: OpenAI, job: TrainJob, baseUrl: string): Promise<Omit<JobRecord, 'jobId'>> {
  const { train, heldOut } = splitHeldOut(await readTrainingExamples(job.datasetPath), job.seed);
  const upload = async (name: string, rows: typeof train) => {
    const file = join(job.runDir, name);
    writeFileSync(file, rows.map(chatLine).join('\n') + '\n');
    return (await client.files.create({ file: createReadStream(file), purpose: 'fine-tune' }, { signal: job.signal })).id;
  };
  const trainingFile = await upload('openai-train.jsonl', train);
  const validationFile = heldOut.length ? await upload('openai-valid.jsonl', heldOut) : undefined;
  return { baseUrl, trainingFile, ...(validationFile ? { validationFile } : {}) };
}

function readJobRecord(runDir: string): JobRecord | null {
  const file = join(runDir, JOB_FILE);
  if (!existsSync(file)) return null;
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as JobRecord;
    return typeof record.jobId === 'string' && typeof record.baseUrl === 'string' ? record : null;
  } catch {
    return null;
  }
}

/**
 * The job's events newer than `lastSeenId`, oldest first (the API lists newest first, so paging
 * stops at it). `reachedLastSeen` is false when `lastSeenId` was given but no longer listed
 * (aged out): the events returned may then include ones handled before.
 */
async function newEvents(
  client: OpenAI,
  jobId: string,
  lastSeenId: string | undefined,
  signal: AbortSignal,
): Promise<{ events: FineTuningJobEvent[]; reachedLastSeen: boolean }> {
  const fresh: FineTuningJobEvent[] = [];
  let page = await client.fineTuning.jobs.listEvents(jobId, { limit: 100 }, { signal });
  for (;;) {
    const at = page.data.findIndex((e) => e.id === lastSeenId);
    fresh.push(...(at < 0 ? page.data : page.data.slice(0, at)));
    if (at >= 0) return { events: fresh.reverse(), reachedLastSeen: true };
    if (!page.hasNextPage()) return { events: fresh.reverse(), reachedLastSeen: lastSeenId === undefined };
    page = await page.getNextPage();
  }
}

/** A metrics event's data: {step, train_loss, valid_loss, full_valid_loss, total_steps?}. */
export function metricsFromEvent(data: unknown, knownTotal: number): TrainMetrics | null {
  if (!data || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  const num = (k: string) => (typeof d[k] === 'number' && Number.isFinite(d[k]) ? (d[k] as number) : undefined);
  const step = num('step');
  if (step === undefined) return null;
  const metrics: TrainMetrics = { step, totalSteps: num('total_steps') ?? Math.max(knownTotal, step) };
  const loss = num('train_loss');
  const evalLoss = num('full_valid_loss') ?? num('valid_loss');
  const learningRate = num('learning_rate');
  const epoch = num('epoch');
  if (loss !== undefined) metrics.loss = loss;
  if (evalLoss !== undefined) metrics.evalLoss = evalLoss;
  if (learningRate !== undefined) metrics.learningRate = learningRate;
  if (epoch !== undefined) metrics.epoch = epoch;
  return metrics;
}
