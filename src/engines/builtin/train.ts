import { yieldToEventLoop } from '../../util/yield.js';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { promptMessages, type TrainingExample } from '../../domain/example.js';
import type { TrainMetrics } from '../../domain/events.js';
import { writeJsonAtomic } from '../../util/atomic.js';
import { deriveSeed, mulberry32, shuffled } from '../../util/rng.js';
import { readPack, writePack } from './cache.js';
import { chatPrompt } from './chat.js';
import { FrozenTable, GrowingTable } from './ngram.js';
import { AdaptedTables } from './adapted.js';
import { loadBase, type BaseModel, type Progress } from './pretrain.js';
import { BOS, EOS } from './tokenizer.js';

/**
 * Continued training of a builtin model. The fine-tuning data is absorbed batch by batch into
 * a delta table (KN counts of the response tokens only, given their prompts), merged with the
 * base's counts at every context (adapted.ts). λ plays the learning rate — the share of the
 * unigram evidence the fine-tuning data holds: λ = learningRate · n / (n + κ), with n the
 * response tokens absorbed so far — a warm-up, so a nearly empty delta cannot swamp the base.
 * Each step's loss is the batch's mean NLL per token under the model *before* the batch is
 * absorbed (like a gradient step's forward pass); later epochs see absorbed text,
 * so their loss falls the way over-fitting does. The result is saved as the delta alone, an
 * adapter over the cached base.
 */

export interface BuiltinTrainOptions {
  base: string;
  examples: TrainingExample[];
  outDir: string;
  epochs: number;
  learningRate: number;
  batchSize: number;
  /** Examples to measure the eval loss on; then every example in `examples` is trained on. */
  evalExamples?: TrainingExample[];
  /** Without `evalExamples`: the share of `examples` held out for the eval loss (default 0.1). */
  evalFraction?: number;
  seed: number;
  signal?: AbortSignal;
  cacheDir?: string;
  /** Pretraining progress, when the base is not cached yet. */
  onProgress?: (p: Progress) => void;
}

export type BuiltinTrainEvent =
  | { type: 'metrics'; metrics: TrainMetrics }
  | { type: 'checkpoint'; path: string; step: number }
  | { type: 'done'; modelDir: string };

/** Response tokens after which the delta gets half of the learning rate. */
const WARMUP_TOKENS = 1000;
const EVAL_POINTS = 20;
const CHECKPOINTS_PER_RUN = 4;

interface Encoded {
  ids: number[];
  from: number;
}

interface CheckpointState {
  step: number;
  tokensCounted: number;
  fingerprint: string;
}

export interface TrainedModelFile {
  format: 'baskets-builtin-delta';
  base: string;
  order: number;
  vocabSize: number;
  mixWeight: number;
  learningRate: number;
  tokensCounted: number;
  steps: number;
  epochs: number;
  fingerprint: string;
}

export function mixWeight(learningRate: number, tokens: number): number {
  return (learningRate * tokens) / (tokens + WARMUP_TOKENS);
}

function encodeExample(base: BaseModel, ex: TrainingExample): Encoded {
  const tok = base.tokenizer;
  const prompt = [BOS, ...tok.encode(chatPrompt(promptMessages(ex)))];
  return { ids: [...prompt, ...tok.encode(ex.response), EOS], from: prompt.length };
}

/** Mean NLL per predicted token of `batch` under the base adapted by the delta with weight λ. */
function meanNll(base: BaseModel, delta: GrowingTable, lambda: number, batch: Encoded[]): { nll: number; tokens: number } {
  const scorer = new AdaptedTables(base.table, delta, lambda);
  let sum = 0;
  let n = 0;
  for (const ex of batch) {
    for (const lp of scorer.logProbs(ex.ids, ex.from)) sum -= lp;
    n += ex.ids.length - ex.from;
  }
  return { nll: n > 0 ? sum / n : 0, tokens: n };
}

function fingerprintOf(opts: BuiltinTrainOptions): string {
  const h = createHash('sha256');
  const hashExamples = (examples: readonly TrainingExample[]) => {
    for (const ex of examples) {
      // The history joins only when there is one, so single-turn sets keep their fingerprints.
      h.update(JSON.stringify([ex.exampleId, ex.origin, ex.instruction, ex.context, ex.response, ...(ex.history ? [ex.history] : [])]));
    }
  };
  h.update(JSON.stringify([opts.base, opts.epochs, opts.learningRate, opts.batchSize, opts.evalFraction ?? null, opts.seed]));
  hashExamples(opts.examples);
  // Only a given eval set changes the hash, so runs without one keep their fingerprints.
  if (opts.evalExamples) {
    h.update('eval');
    hashExamples(opts.evalExamples);
  }
  return h.digest('hex').slice(0, 24);
}

function latestCheckpoint(outDir: string): { dir: string; state: CheckpointState } | null {
  if (!existsSync(outDir)) return null;
  const dirs = readdirSync(outDir)
    .filter((d) => /^checkpoint-\d+$/.test(d))
    .sort((a, b) => Number(b.slice(11)) - Number(a.slice(11)));
  for (const d of dirs) {
    try {
      const state = JSON.parse(readFileSync(join(outDir, d, 'state.json'), 'utf8')) as CheckpointState;
      return { dir: join(outDir, d), state };
    } catch {
      continue; // a checkpoint cut short by a crash: fall back to an older one
    }
  }
  return null;
}

function saveDelta(dir: string, delta: GrowingTable, fingerprint: string): FrozenTable {
  const frozen = delta.freeze();
  writePack(join(dir, 'delta.pack'), `delta:${fingerprint}`, { order: frozen.order, vocabSize: frozen.vocabSize }, {
    token: frozen.token,
    kn: frozen.knOf,
    childStart: frozen.childStart,
  });
  return frozen;
}

export async function* trainBuiltin(opts: BuiltinTrainOptions): AsyncGenerator<BuiltinTrainEvent> {
  if (opts.examples.length === 0) throw new Error('no training examples: assemble the condition dataset first');
  if (!(opts.learningRate > 0 && opts.learningRate <= 1)) throw new Error(`learningRate ${opts.learningRate} is out of range: use a mixing weight in (0, 1]`);
  if (!(opts.epochs >= 1) || !(opts.batchSize >= 1)) throw new Error('epochs and batchSize must be at least 1');
  const base = await loadBase(opts.base, { cacheDir: opts.cacheDir, signal: opts.signal, onProgress: opts.onProgress });
  const fingerprint = fingerprintOf(opts);
  const started = Date.now();

  // Seeded split: without a given eval set, a held-out slice measures the loss on the training distribution.
  const order = shuffled(opts.examples, mulberry32(deriveSeed(opts.seed, 'builtin-train-split')));
  const evalCount = opts.evalExamples || opts.examples.length < 2 ? 0 : Math.max(1, Math.round(order.length * (opts.evalFraction ?? 0.1)));
  const evalSet = (opts.evalExamples ?? order.slice(0, evalCount)).map((ex) => encodeExample(base, ex));
  const trainSet = order.slice(evalCount).map((ex) => encodeExample(base, ex));
  const stepsPerEpoch = Math.ceil(trainSet.length / opts.batchSize);
  const totalSteps = stepsPerEpoch * opts.epochs;
  const epochOrder = (epoch: number) => shuffled(trainSet, mulberry32(deriveSeed(opts.seed, `builtin-train-epoch-${epoch}`)));
  const batchAt = (step: number, perm: Encoded[]) => {
    const i = (step - 1) % stepsPerEpoch;
    return perm.slice(i * opts.batchSize, (i + 1) * opts.batchSize);
  };
  const evalEvery = Math.max(1, Math.floor(totalSteps / EVAL_POINTS));
  const checkpointEvery = Math.max(1, Math.ceil(totalSteps / CHECKPOINTS_PER_RUN));

  const delta = new GrowingTable(base.table.order, base.tokenizer.vocabSize);
  let step = 0;
  let perm: Encoded[] = [];
  let permEpoch = -1;
  const permFor = (s: number) => {
    const e = Math.floor((s - 1) / stepsPerEpoch);
    if (e !== permEpoch) {
      perm = epochOrder(e);
      permEpoch = e;
    }
    return perm;
  };

  // Resume: replay the absorbed batches (deterministic) and check they give the saved counts.
  const resume = latestCheckpoint(opts.outDir);
  if (resume && resume.state.fingerprint === fingerprint) {
    for (let s = 1; s <= resume.state.step; s++) for (const ex of batchAt(s, permFor(s))) delta.addSequence(ex.ids, ex.from);
    if (delta.tokensCounted !== resume.state.tokensCounted) {
      throw new Error(`checkpoint ${resume.dir} does not match its replay: delete ${opts.outDir} and train again`);
    }
    step = resume.state.step;
  } else if (resume) {
    throw new Error(`${opts.outDir} holds a checkpoint of a different training run: delete it or choose another output folder`);
  }

  const checkpoint = (s: number): string => {
    const dir = join(opts.outDir, `checkpoint-${s}`);
    saveDelta(dir, delta, fingerprint);
    writeJsonAtomic(join(dir, 'state.json'), { step: s, tokensCounted: delta.tokensCounted, fingerprint } satisfies CheckpointState);
    for (const d of readdirSync(opts.outDir)) {
      if (/^checkpoint-\d+$/.test(d) && d !== `checkpoint-${s}`) rmSync(join(opts.outDir, d), { recursive: true, force: true });
    }
    return dir;
  };
  const evalLoss = () => (evalSet.length > 0 ? meanNll(base, delta, mixWeight(opts.learningRate, delta.tokensCounted), evalSet).nll : undefined);

  if (step === 0) yield { type: 'metrics', metrics: { step: 0, totalSteps, evalLoss: evalLoss(), learningRate: 0, epoch: 0 } };
  while (step < totalSteps) {
    if (opts.signal?.aborted) {
      if (step > 0) yield { type: 'checkpoint', path: checkpoint(step), step };
      return;
    }
    const t0 = performance.now();
    step++;
    const batch = batchAt(step, permFor(step));
    const lambda = mixWeight(opts.learningRate, delta.tokensCounted);
    const { nll, tokens } = meanNll(base, delta, lambda, batch);
    for (const ex of batch) delta.addSequence(ex.ids, ex.from);
    const elapsedS = (Date.now() - started) / 1000;
    const metrics: TrainMetrics = {
      step,
      totalSteps,
      loss: nll,
      learningRate: lambda,
      epoch: step / stepsPerEpoch,
      tokensPerSecond: tokens / Math.max(1e-6, (performance.now() - t0) / 1000),
      elapsedS,
      remainingS: (elapsedS / step) * (totalSteps - step),
    };
    if (step % evalEvery === 0 || step === totalSteps) metrics.evalLoss = evalLoss();
    yield { type: 'metrics', metrics };
    if (step % checkpointEvery === 0 && step < totalSteps) yield { type: 'checkpoint', path: checkpoint(step), step };
    await yieldToEventLoop();
  }

  const modelDir = join(opts.outDir, 'model');
  saveDelta(modelDir, delta, fingerprint);
  const file: TrainedModelFile = {
    format: 'baskets-builtin-delta',
    base: opts.base,
    order: delta.order,
    vocabSize: delta.vocabSize,
    mixWeight: mixWeight(opts.learningRate, delta.tokensCounted),
    learningRate: opts.learningRate,
    tokensCounted: delta.tokensCounted,
    steps: totalSteps,
    epochs: opts.epochs,
    fingerprint,
  };
  writeJsonAtomic(join(modelDir, 'model.json'), file);
  yield { type: 'done', modelDir };
}

/** The delta of a finished run, checked against its header. */
export function readTrainedDelta(modelDir: string): { file: TrainedModelFile; table: FrozenTable } {
  const path = join(modelDir, 'model.json');
  if (!existsSync(path)) throw new Error(`${modelDir} is not a trained builtin model (no model.json): train it first`);
  const file = JSON.parse(readFileSync(path, 'utf8')) as TrainedModelFile;
  if (file.format !== 'baskets-builtin-delta') throw new Error(`${path} is not a builtin delta: open it with the engine that trained it`);
  const pack = readPack<{ order: number; vocabSize: number }>(join(modelDir, 'delta.pack'), `delta:${file.fingerprint}`);
  if (!pack) throw new Error(`${join(modelDir, 'delta.pack')} is missing or corrupt: train the condition again`);
  const { token, kn, childStart } = pack.arrays;
  return { file, table: new FrozenTable(pack.meta.order, pack.meta.vocabSize, { token, kn, childStart }) };
}
