import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../util/atomic.js';
import type { TrainMetrics } from '../../domain/events.js';
import type { TrainingExample } from '../../domain/example.js';
import type { BuiltinTrainEvent, BuiltinTrainOptions } from '../builtin/index.js';
import { ApiError, badRequest, notFound } from './errors.js';
import { parseTrainingFile, type FileStore } from './files.js';
import type { FineTuningJobRequest } from './requests.js';
import { nowSeconds } from './clock.js';

/**
 * Fine-tuning jobs behind `/v1/fine_tuning/jobs`, shaped like OpenAI's: a job runs the builtin
 * trainer in the background, records message and metrics events (metrics carry
 * `data: {step, train_loss, valid_loss, …}`) and checkpoints, and on success registers its
 * `ft:<base>:…` model so the completion routes serve it. Job records are saved under
 * `<dataDir>/jobs` at each checkpoint and state change, so a server restarted on the same data
 * dir serves the models of finished jobs again (a job cut off by the restart is marked failed).
 */

/** The builtin trainer's request and stream; jobs take them as types only, never the engine. */
export type TrainEvent = BuiltinTrainEvent;
export type TrainRequest = Omit<BuiltinTrainOptions, 'evalFraction' | 'cacheDir' | 'onProgress'>;

export interface JobDeps {
  dataDir: string;
  files: FileStore;
  /** Whether `base` is a model this server can fine-tune. */
  canTrain(base: string): boolean;
  train(req: TrainRequest): AsyncIterable<TrainEvent>;
  /** Serve the finished model under `id`. */
  registerModel(id: string, base: string, modelDir: string): void;
  log(line: string): void;
}

type JobStatus = 'validating_files' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

interface JobEvent {
  id: string;
  object: 'fine_tuning.job.event';
  created_at: number;
  level: 'info' | 'warn' | 'error';
  message: string;
  type: 'message' | 'metrics';
  data: Record<string, unknown> | null;
}

interface Checkpoint {
  id: string;
  object: 'fine_tuning.job.checkpoint';
  created_at: number;
  fine_tuned_model_checkpoint: string;
  fine_tuning_job_id: string;
  step_number: number;
  metrics: { step: number; train_loss?: number; valid_loss?: number };
}

interface Job {
  id: string;
  object: 'fine_tuning.job';
  created_at: number;
  finished_at: number | null;
  model: string;
  fine_tuned_model: string | null;
  organization_id: string;
  status: JobStatus;
  hyperparameters: { n_epochs: number; learning_rate_multiplier: number; batch_size: number };
  training_file: string;
  validation_file: string | null;
  result_files: string[];
  trained_tokens: number | null;
  seed: number;
  error: { code: string; message: string; param: string | null } | null;
  method: { type: 'supervised' };
}

interface JobEntry {
  job: Job;
  events: JobEvent[];
  checkpoints: Checkpoint[];
  abort: AbortController;
  /** Where the finished model lives (set on success). */
  modelDir?: string;
}

const DEFAULTS = { epochs: 1, learningRate: 0.5, batchSize: 16 };

export class JobManager {
  private readonly jobs = new Map<string, JobEntry>();
  private readonly running = new Set<Promise<void>>();
  private readonly dir: string;

  constructor(private readonly deps: JobDeps) {
    this.dir = join(deps.dataDir, 'jobs');
    mkdirSync(this.dir, { recursive: true });
    this.restore();
  }

  create(req: FineTuningJobRequest): Job {
    if (!this.deps.canTrain(req.model)) {
      throw notFound(`The model \`${req.model}\` cannot be fine-tuned here; GET /v1/models lists the builtin bases.`, 'model', 'model_not_found');
    }
    const examples = parseTrainingFile(this.deps.files.read(req.training_file, 'training_file'), req.training_file, 'training_file');
    // As OpenAI does: with a validation file, valid_loss is measured on it and every training example is trained on.
    const validation = req.validation_file
      ? parseTrainingFile(this.deps.files.read(req.validation_file, 'validation_file'), req.validation_file, 'validation_file')
      : undefined;
    const hp = req.hyperparameters ?? {};
    const pick = <T>(v: T | 'auto' | null | undefined, fallback: T): T => (v == null || v === 'auto' ? fallback : v);
    const id = `ftjob-${randomBytes(12).toString('hex')}`;
    const job: Job = {
      id,
      object: 'fine_tuning.job',
      created_at: nowSeconds(),
      finished_at: null,
      model: req.model,
      fine_tuned_model: null,
      organization_id: 'baskets',
      status: 'queued',
      hyperparameters: {
        n_epochs: pick(hp.n_epochs, DEFAULTS.epochs),
        learning_rate_multiplier: pick(hp.learning_rate_multiplier, DEFAULTS.learningRate),
        batch_size: pick(hp.batch_size, DEFAULTS.batchSize),
      },
      training_file: req.training_file,
      validation_file: req.validation_file ?? null,
      result_files: [],
      trained_tokens: null,
      seed: req.seed ?? 42,
      error: null,
      method: { type: 'supervised' },
    };
    const entry: JobEntry = { job, events: [], checkpoints: [], abort: new AbortController() };
    this.jobs.set(id, entry);
    this.event(entry, 'info', `Created fine-tuning job: ${id} (${examples.length} training examples${validation ? `, ${validation.length} validation examples` : ''})`);
    this.save(entry);
    const modelId = `ft:${req.model}:baskets${req.suffix ? `:${req.suffix}` : ''}:${id.slice(6, 14)}`;
    const run = this.run(entry, examples, validation, modelId).finally(() => this.running.delete(run));
    this.running.add(run);
    return job;
  }

  get(id: string): Job {
    return this.entry(id).job;
  }

  list(after: string | undefined, limit: number): { data: Job[]; has_more: boolean } {
    return page([...this.jobs.values()].map((e) => e.job).reverse(), after, limit);
  }

  /** Newest first, as OpenAI lists them. */
  events(id: string, after: string | undefined, limit: number): { data: JobEvent[]; has_more: boolean } {
    return page(this.entry(id).events.slice().reverse(), after, limit);
  }

  checkpoints(id: string, after: string | undefined, limit: number): { data: Checkpoint[]; has_more: boolean } {
    return page(this.entry(id).checkpoints.slice().reverse(), after, limit);
  }

  cancel(id: string): Job {
    const entry = this.entry(id);
    const { status } = entry.job;
    if (status === 'succeeded' || status === 'failed' || status === 'cancelled') {
      throw new ApiError(409, `Job ${id} has already ${status}; only queued or running jobs can be cancelled.`, 'invalid_request_error', 'fine_tuning_job_id');
    }
    entry.job.status = 'cancelled';
    entry.job.finished_at = nowSeconds();
    entry.abort.abort(new Error('cancelled'));
    this.event(entry, 'info', 'Fine-tuning job cancelled');
    this.save(entry);
    return entry.job;
  }

  /** Stop every running job (server shutdown); resolves once none is still writing. */
  async abortAll(): Promise<void> {
    for (const entry of this.jobs.values()) entry.abort.abort(new Error('server closing'));
    await Promise.all(this.running);
  }

  private entry(id: string) {
    const entry = this.jobs.get(id);
    if (!entry) throw notFound(`No such fine-tuning job: ${id}`, 'fine_tuning_job_id', 'fine_tuning_job_not_found');
    return entry;
  }

  private async run(entry: JobEntry, examples: TrainingExample[], validation: TrainingExample[] | undefined, modelId: string) {
    const { job } = entry;
    const signal = entry.abort.signal;
    let last: TrainMetrics | undefined;
    try {
      await Promise.resolve(); // let create() answer before training starts
      if (signal.aborted) return;
      job.status = 'running';
      this.event(entry, 'info', 'Fine-tuning job started');
      this.save(entry);
      const stream = this.deps.train({
        base: job.model,
        examples,
        ...(validation && { evalExamples: validation }),
        outDir: join(this.deps.dataDir, 'models', job.id),
        epochs: job.hyperparameters.n_epochs,
        learningRate: job.hyperparameters.learning_rate_multiplier,
        batchSize: job.hyperparameters.batch_size,
        seed: job.seed,
        signal,
      });
      for await (const ev of stream) {
        if (signal.aborted) return;
        if (ev.type === 'metrics') {
          last = ev.metrics;
          this.event(entry, 'info', `Step ${ev.metrics.step}/${ev.metrics.totalSteps}: training loss=${fmt(ev.metrics.loss)}`, 'metrics', metricsData(ev.metrics));
        } else if (ev.type === 'checkpoint') {
          entry.checkpoints.push({
            id: `ftckpt-${randomBytes(8).toString('hex')}`,
            object: 'fine_tuning.job.checkpoint',
            created_at: nowSeconds(),
            fine_tuned_model_checkpoint: `${modelId}:ckpt-step-${ev.step}`,
            fine_tuning_job_id: job.id,
            step_number: ev.step,
            metrics: { step: ev.step, ...(last?.loss !== undefined && { train_loss: last.loss }), ...(last?.evalLoss !== undefined && { valid_loss: last.evalLoss }) },
          });
          this.event(entry, 'info', `Checkpoint created at step ${ev.step}`);
          this.save(entry);
        } else {
          this.deps.registerModel(modelId, job.model, ev.modelDir);
          entry.modelDir = ev.modelDir;
          job.fine_tuned_model = modelId;
          job.status = 'succeeded';
          job.finished_at = nowSeconds();
          this.event(entry, 'info', `New fine-tuned model created: ${modelId}`);
          this.event(entry, 'info', 'The job has successfully completed');
          this.save(entry);
        }
      }
      if (job.status === 'running') throw new Error('the trainer stopped without producing a model');
    } catch (err) {
      if (signal.aborted) return;
      job.status = 'failed';
      job.finished_at = nowSeconds();
      job.error = { code: 'training_failed', message: (err as Error).message, param: null };
      this.event(entry, 'error', `Fine-tuning job failed: ${(err as Error).message}`);
      this.save(entry);
      this.deps.log(`fine-tuning job ${job.id} failed: ${(err as Error).message}`);
    }
  }

  private save(entry: JobEntry): void {
    const { job, events, checkpoints, modelDir } = entry;
    writeJsonAtomic(join(this.dir, `${job.id}.json`), { job, events, checkpoints, modelDir });
  }

  /** Reload saved jobs: serve the models of finished ones; fail those the last server stopped mid-run. */
  private restore(): void {
    const saved = readdirSync(this.dir)
      .filter((n) => n.endsWith('.json'))
      .map((n) => JSON.parse(readFileSync(join(this.dir, n), 'utf8')) as Omit<JobEntry, 'abort'>)
      .sort((a, b) => a.job.created_at - b.job.created_at);
    for (const record of saved) {
      const entry: JobEntry = { ...record, abort: new AbortController() };
      this.jobs.set(entry.job.id, entry);
      const { job } = entry;
      if (job.status === 'queued' || job.status === 'running') {
        job.status = 'failed';
        job.finished_at = nowSeconds();
        job.error = { code: 'server_stopped', message: 'The server stopped while this job ran; create the job again.', param: null };
        this.event(entry, 'error', job.error.message);
        this.save(entry);
      } else if (job.status === 'succeeded' && job.fine_tuned_model && entry.modelDir) {
        this.deps.registerModel(job.fine_tuned_model, job.model, entry.modelDir);
      }
    }
  }

  private event(entry: { job: Job; events: JobEvent[] }, level: JobEvent['level'], message: string, type: JobEvent['type'] = 'message', data: Record<string, unknown> | null = null) {
    entry.events.push({ id: `ftevent-${randomBytes(8).toString('hex')}`, object: 'fine_tuning.job.event', created_at: nowSeconds(), level, message, type, data });
  }
}

function metricsData(m: TrainMetrics): Record<string, unknown> {
  const data: Record<string, unknown> = { step: m.step, total_steps: m.totalSteps };
  if (m.loss !== undefined) data.train_loss = m.loss;
  if (m.evalLoss !== undefined) data.valid_loss = m.evalLoss;
  if (m.learningRate !== undefined) data.learning_rate = m.learningRate;
  if (m.epoch !== undefined) data.epoch = m.epoch;
  if (m.tokensPerSecond !== undefined) data.tokens_per_second = m.tokensPerSecond;
  return data;
}

const fmt = (x: number | undefined) => (x === undefined ? 'n/a' : x.toFixed(4));

/** OpenAI's cursor pagination: items after the one with id `after`, at most `limit`. */
function page<T extends { id: string }>(items: T[], after: string | undefined, limit: number): { data: T[]; has_more: boolean } {
  let start = 0;
  if (after) {
    const idx = items.findIndex((x) => x.id === after);
    if (idx < 0) throw badRequest(`No item with id ${after} to page after.`, 'after');
    start = idx + 1;
  }
  return { data: items.slice(start, start + limit), has_more: start + limit < items.length };
}
