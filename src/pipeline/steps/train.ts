import { existsSync, renameSync } from 'node:fs';
import { DEFAULT_BUILTIN_TRAINER, trainWithBuiltin } from '../../trainers/builtin.js';
import { serveAdapter, trainWithHf, type HfTrainerOptions } from '../../trainers/hf/index.js';
import { trainWithOpenAI, type OpenAIFtConfig, type OpenAIFtOptions } from '../../trainers/openai-ft.js';
import {
  readTrainedModel,
  recordedTrainedOn,
  sameTrainedOn,
  trainedOnOf,
  writeTrainedModel,
  writeTrainingStart,
  type TrainedOn,
} from '../../trainers/trained-model.js';
import { describeDevice, describeTrainingData, examplesNotWhole, type TrainingData } from '../../domain/training-data.js';
import type { TrainerEvent, TrainJob } from '../../trainers/types.js';
import { deriveSeed } from '../../util/rng.js';
import { writeJsonAtomic } from '../../util/atomic.js';
import type { StepEvent, TrainMetrics } from '../../domain/events.js';
import { readResult, RESULT_VERSION, type TrainingResultFile, type TrainingRunResult } from '../results.js';
import { studyInputs } from '../provenance.js';
import { modelIdentityOf } from '../generation/answer-keys.js';
import { sha256 } from '../../domain/hash.js';
import { pretrainingReporter } from '../models.js';
import type { Condition, ModelEntry, Session, TrainerConfig } from '../../domain/session.js';
import type { Step, StepContext } from '../step.js';
import { refreshAssembledDatasets } from './assemble.js';
import { eventsUntilSettled } from '../../util/event-channel.js';

export interface TrainStepOptions {
  builtin?: { cacheDir?: string };
  hf?: HfTrainerOptions;
  openai?: OpenAIFtOptions;
}

interface Plan {
  condition: Condition;
  target: ModelEntry;
  trainer: TrainerConfig;
  job: TrainJob;
  trainedOn: TrainedOn;
}

/**
 * The train step: fine-tune every non-vanilla condition's target on its assembled dataset:
 * builtin targets side by side on the builtin pool's threads, the others one condition at a
 * time (they share the GPU). A finished run (runs/<condition>/model.json)
 * is skipped; an interrupted one resumes where its trainer can (hf checkpoints, a hosted job
 * re-attached). A run whose dataset or recipe has changed since is moved aside and trained
 * again. Metrics stream as `train-metrics` and `progress` events per condition.
 */
export function createTrainStep(opts: TrainStepOptions = {}): Step {
  return async function* trainStep(ctx) {
    // Staleness: a dataset assembled before its sources' outputs changed is rebuilt first.
    yield* refreshAssembledDatasets(ctx);
    // Models loaded by earlier steps (hf workers) let go of the GPU memory training needs.
    await ctx.models.close?.();
    const plans = planRuns(ctx);
    if (plans.length === 0) {
      yield { type: 'summary', text: 'nothing to train (vanilla conditions only)' };
      return;
    }
    const record = trainingRecord(ctx);
    // Every run is a task from the start (one run each, its steps once its trainer says how many), so the cell's count never grows.
    for (const plan of plans) yield runTask(plan, 0);
    // Builtin runs train on the builtin pool's threads, side by side; the others one at a time (they share the GPU).
    const outcomes = yield* alongside(ctx.signal, [plans.filter((p) => p.trainer.kind !== 'builtin'), ...plans.filter((p) => p.trainer.kind === 'builtin').map((p) => [p])], (plan) =>
      trainPlan(plan, ctx, opts, record),
    );
    const inOrder = plans.map((plan) => outcomes.get(plan)!);
    const trained = inOrder.filter((o) => o.trained).length;
    const skipped = inOrder.length - trained;
    const finals = inOrder.flatMap((o) => (o.final ? [o.final] : []));
    const head = `trained ${trained}${skipped ? `, ${skipped} already done` : ''}`;
    const text = finals.length ? `${head} · ${finals.join(', ')}` : head;
    if (record.written()) yield { type: 'result', name: 'training', path: ctx.paths.result('training'), summary: text };
    yield { type: 'summary', text };
  };
}

export const trainStep: Step = createTrainStep();

/** A condition's run as one task of the cell: waiting (0) or over (1). */
const runTask = (plan: Plan, done: 0 | 1): StepEvent => ({ type: 'progress', task: plan.condition.name, done, total: 1, unit: 'runs' });

/** How one condition's run went: trained now (with its last losses), or already trained. */
interface RunOutcome {
  trained: boolean;
  final?: string;
}

/** One condition's run: skipped when already trained, else trained (or its adapter served) and recorded. */
async function* trainPlan(plan: Plan, ctx: StepContext, opts: TrainStepOptions, record: TrainingRecord): AsyncGenerator<StepEvent, RunOutcome> {
  const { condition, job, trainer, trainedOn } = plan;
  yield* checkRecorded(plan, ctx.now());
  const existing = readTrainedModel(job.runDir);
  if (existing && !(existing.kind === 'unserved' && trainer.kind === 'hf' && trainer.serveBaseUrl)) {
    yield { type: 'log', level: 'info', message: `${condition.name}: already trained (${job.runDir}), skipped` };
    yield runTask(plan, 1);
    return { trained: false };
  }
  yield { type: 'log', level: 'info', message: `${condition.name}: training ${plan.target.id} with the ${trainer.kind} trainer` };
  let last: TrainMetrics | undefined;
  let fit: TrainingData | undefined;
  let device: string | undefined;
  const serving = existing?.kind === 'unserved' && trainer.kind === 'hf';
  if (!serving) writeTrainingStart(job.runDir, trainedOn);
  const events = serving ? serveAdapter(job, trainer, existing.adapterDir, hfOptions(ctx.session, plan, opts)) : runTrainer(plan, ctx, opts);
  // A builtin base pretraining on first use shows as the resolver shows it for opened models.
  const pretrainingEvents: StepEvent[] = [];
  const reportPretraining = pretrainingReporter((e) => pretrainingEvents.push(e));
  for await (const event of events) {
    if (event.type === 'trained') {
      writeTrainedModel(job.runDir, { ...event.model, trainedOn });
      continue;
    }
    if (event.type === 'pretraining') {
      reportPretraining(event.progress);
      yield* pretrainingEvents.splice(0);
      continue;
    }
    if (event.type === 'metrics') last = { ...last, ...event.metrics };
    if (event.type === 'data') fit = event.data;
    if (event.type === 'device') device = describeDevice(event.device);
    yield* toStepEvents(condition.name, event);
  }
  ctx.signal.throwIfAborted();
  if (!readTrainedModel(job.runDir)) throw new Error(`${condition.name}: the ${trainer.kind} trainer ended without a model`);
  if (!last) yield runTask(plan, 1); // a trainer that reported no steps
  if (!serving) record.put(plan, last, fit, device);
  const cut = fit && examplesNotWhole(fit) ? ` (${examplesNotWhole(fit)} of ${fit.examples} examples cut or left out)` : '';
  return { trained: true, ...(last ? { final: `${condition.name} ${formatLoss(last)}${cut}` } : {}) };
}

/**
 * Runs the groups side by side, the runs of each group one after another, yielding every run's
 * events as they come; returns each run's outcome. Should one fail, the others still finish (or
 * stop, on a cancel) before the failure is thrown: a run is never left writing its folder.
 */
async function* alongside(
  signal: AbortSignal,
  groups: Plan[][],
  run: (plan: Plan) => AsyncGenerator<StepEvent, RunOutcome>,
): AsyncGenerator<StepEvent, Map<Plan, RunOutcome>> {
  const outcomes = new Map<Plan, RunOutcome>();
  const settled = yield* eventsUntilSettled<StepEvent, PromiseSettledResult<void>[]>((push) =>
    Promise.allSettled(
      groups.map(async (group) => {
        for (const plan of group) {
          signal.throwIfAborted();
          const events = run(plan);
          for (let next = await events.next(); ; next = await events.next()) {
            if (next.done) {
              outcomes.set(plan, next.value);
              break;
            }
            push(next.value);
          }
        }
      }),
    ),
  );
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return outcomes;
}

/**
 * Compare what the run dir recorded with what this run would train on: a different dataset or
 * recipe moves the run aside (never deleted); a run from before the record is taken as current
 * and gets the record, so nothing is retrained just for the upgrade.
 */
function* checkRecorded({ condition, job, trainedOn }: Plan, now: number): Generator<StepEvent> {
  if (!existsSync(job.runDir)) return;
  const recorded = recordedTrainedOn(job.runDir);
  if (recorded && !sameTrainedOn(recorded, trainedOn)) {
    const aside = `${job.runDir}.stale-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
    renameSync(job.runDir, aside);
    const what = recorded.dataset !== trainedOn.dataset ? 'its dataset' : 'its trainer settings';
    yield { type: 'log', level: 'info', message: `${condition.name}: ${what} changed since ${job.runDir} was trained; moved it to ${aside} and training again` };
    return;
  }
  const existing = recorded ? null : readTrainedModel(job.runDir);
  if (existing) {
    writeTrainedModel(job.runDir, { ...existing, trainedOn });
    yield {
      type: 'log',
      level: 'warn',
      message: `${condition.name}: ${job.runDir} predates dataset fingerprints, so it is taken as trained on the current dataset; move it aside to train again`,
    };
  }
}

/** Check every condition up front, so a config mistake shows before hours of training. */
function planRuns(ctx: StepContext): Plan[] {
  return ctx.session.conditions
    .filter((c) => c.kind !== 'vanilla')
    .map((condition) => {
      const target = ctx.session.models.find((m) => m.id === condition.target);
      if (!target) throw new Error(`condition "${condition.name}" targets "${condition.target}", which is not in the session's models: add it or fix the condition`);
      const trainer = target.trainer ?? (target.engine.engine === 'builtin' ? DEFAULT_BUILTIN_TRAINER : null);
      if (!trainer) {
        throw new Error(`model "${target.id}" has no trainer: add "trainer": {"kind": "hf", "baseModel": …} or {"kind": "openai-ft", "baseModel": …} to it in session.json`);
      }
      if (trainer.kind === 'builtin' && target.engine.engine !== 'builtin') {
        throw new Error(`model "${target.id}" is served over HTTP, so the builtin trainer cannot train it: use an "hf" or "openai-ft" trainer`);
      }
      const datasetPath = ctx.paths.dataset(condition.name);
      if (!existsSync(datasetPath)) throw new Error(`condition "${condition.name}" has no dataset yet (${datasetPath}): run the assemble step first`);
      const job: TrainJob = {
        name: condition.name,
        datasetPath,
        runDir: ctx.paths.runDir(condition.name),
        seed: deriveSeed(ctx.session.seed, `train:${condition.name}`),
        signal: ctx.signal,
      };
      return { condition, target, trainer, job, trainedOn: trainedOnOf(datasetPath, recipeOf(trainer, target, job.seed)) };
    });
}

/** What shapes the weights besides the data: serving endpoints and credentials are left out. */
function recipeOf(trainer: TrainerConfig, target: ModelEntry, seed: number) {
  const shaping = Object.fromEntries(Object.entries(trainer).filter(([k]) => k !== 'serveBaseUrl' && k !== 'apiKeyEnv'));
  return { trainer: shaping, base: modelIdentityOf(target), seed };
}

function runTrainer(plan: Plan, ctx: StepContext, opts: TrainStepOptions): AsyncGenerator<TrainerEvent> {
  const { trainer, target, job } = plan;
  switch (trainer.kind) {
    case 'builtin':
      // planRuns checked that a builtin trainer has a builtin target.
      return trainWithBuiltin(job, target.engine.engine === 'builtin' ? target.engine.base : '', trainer, opts.builtin);
    case 'hf':
      return trainWithHf(job, trainer, hfOptions(ctx.session, plan, opts));
    case 'openai-ft':
      return trainWithOpenAI(job, hostedWhereServed(trainer, target), opts.openai);
  }
}

/**
 * A hosted job runs where its model will be served: a trainer that names no server uses the
 * target's, with its key, so a target on a local server is never sent to OpenAI's.
 */
function hostedWhereServed(trainer: OpenAIFtConfig, target: ModelEntry): OpenAIFtConfig {
  if (trainer.baseUrl || target.engine.engine !== 'openai') return trainer;
  const apiKeyEnv = trainer.apiKeyEnv ?? target.engine.apiKeyEnv;
  return { ...trainer, baseUrl: target.engine.baseUrls[0], ...(apiKeyEnv ? { apiKeyEnv } : {}) };
}

/**
 * vLLM serves every session's adapters side by side, so the served name carries the session
 * too, and what it was trained on: vLLM keeps an adapter already loaded under a name, so a
 * retrained one needs a name of its own.
 */
function hfOptions(session: Session, plan: Plan, opts: TrainStepOptions): HfTrainerOptions {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-');
  return {
    ...opts.hf,
    inProcess: plan.target.engine.engine === 'hf',
    servedName: `${safe(session.name)}--${safe(plan.condition.name)}--${sha256(JSON.stringify(plan.trainedOn)).slice(0, 8)}`,
    ...(plan.target.engine.engine === 'openai' && plan.target.engine.apiKeyEnv ? { apiKeyEnv: plan.target.engine.apiKeyEnv } : {}),
  };
}

function* toStepEvents(task: string, event: Exclude<TrainerEvent, { type: 'trained' | 'pretraining' }>): Generator<StepEvent> {
  switch (event.type) {
    case 'metrics':
      yield { type: 'train-metrics', task, metrics: event.metrics };
      yield {
        type: 'progress',
        task,
        done: event.metrics.step,
        total: event.metrics.totalSteps,
        unit: 'steps',
        ...(event.metrics.tokensPerSecond !== undefined ? { tokensPerSecond: event.metrics.tokensPerSecond } : {}),
      };
      return;
    case 'log':
      yield { type: 'log', level: event.level, message: `${task}: ${event.message}` };
      return;
    case 'gpu':
      yield event;
      return;
    case 'device':
      // On the CPU, the cell's hardware line says so, in place of GPU readings it has none of.
      if (event.device.device === 'cpu') yield { type: 'gpu', samples: null, message: `${task}: training on ${describeDevice(event.device)}` };
      else yield { type: 'log', level: 'info', message: `${task}: training on ${describeDevice(event.device)}` };
      return;
    case 'data':
      yield { type: 'log', level: examplesNotWhole(event.data) ? 'warn' : 'info', message: `${task}: ${describeTrainingData(event.data)}` };
      return;
    default: {
      const unexpected: never = event;
      throw new Error(`unexpected trainer event ${JSON.stringify(unexpected)}`);
    }
  }
}

/**
 * results/training.json: each condition's run as last trained (its trainer, steps and final
 * losses, what became of its examples, where it ran), rewritten after every run so a run
 * that stops part-way keeps the ones before it. Runs of conditions no longer in the session
 * are dropped; runs trained before this record existed are absent until trained again.
 */
type TrainingRecord = ReturnType<typeof trainingRecord>;

function trainingRecord(ctx: StepContext) {
  const path = ctx.paths.result('training');
  const order = new Map(ctx.session.conditions.map((c, i) => [c.name, i]));
  let previous: TrainingRunResult[] = [];
  try {
    previous = readResult(ctx.paths, 'training')?.models.filter((m) => order.has(m.condition)) ?? [];
  } catch {
    previous = []; // an unreadable record is rewritten from the runs trained from now on
  }
  let dirty = false;
  return {
    put({ condition, trainer }: Plan, last: TrainMetrics | undefined, data: TrainingData | undefined, device: string | undefined) {
      const run: TrainingRunResult = {
        condition: condition.name,
        target: condition.target,
        kind: condition.kind,
        trainer: trainer.kind,
        steps: last?.step ?? 0,
        loss: finiteOrNull(last?.loss),
        evalLoss: finiteOrNull(last?.evalLoss),
        data: data ?? null,
        device: device ?? null,
      };
      // In the session's order of conditions, whatever order the runs finished in.
      previous = [...previous.filter((m) => m.condition !== run.condition), run].sort((a, b) => order.get(a.condition)! - order.get(b.condition)!);
      const file: TrainingResultFile = { version: RESULT_VERSION, kind: 'training', createdAt: new Date(ctx.now()).toISOString(), seed: ctx.session.seed, inputs: studyInputs(ctx.session), models: previous };
      writeJsonAtomic(path, file);
      dirty = true;
    },
    written: () => dirty,
  };
}

/** JSON has no NaN: a diverged loss is recorded as missing (the train cell and log show the NaN). */
const finiteOrNull = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);

function formatLoss(m: TrainMetrics): string {
  const parts = [m.loss !== undefined ? `loss ${m.loss.toFixed(3)}` : '', m.evalLoss !== undefined ? `eval ${m.evalLoss.toFixed(3)}` : ''].filter(Boolean);
  return parts.join(' / ') || `step ${m.step}`;
}
