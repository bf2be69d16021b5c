import { join } from 'node:path';
import type { TrainerConfig } from '../../domain/session.js';
import { sanitizeLine } from '../../util/sanitize.js';
import type { TrainedModel } from '../trained-model.js';
import type { TrainerEvent, TrainJob } from '../types.js';
import { runHfProcess, TrainingFailedError, type HfLaunchOptions } from './launch.js';
import { formatCommand, loadLoraAdapter, vllmServeCommand } from './serve.js';

export type HfTrainerConfig = Extract<TrainerConfig, { kind: 'hf' }>;

export interface HfTrainerOptions extends Pick<HfLaunchOptions, 'launcher' | 'script' | 'stopGraceMs' | 'nvidiaSmi'> {
  /** The model name the adapter is served under (default: the job name). */
  servedName?: string;
  /** Environment variable with the key of the vLLM server at trainer.serveBaseUrl. */
  apiKeyEnv?: string;
  /** The target runs on the hf engine, which loads the adapter itself: nothing to serve. */
  inProcess?: boolean;
}

/** Arguments of trainers/train_hf.py; `--key=value` so a value starting with "-" is never read as a flag. */
export function hfScriptArgs(cfg: HfTrainerConfig, job: TrainJob): string[] {
  return [
    `--model=${cfg.baseModel}`,
    `--data=${job.datasetPath}`,
    `--output-dir=${job.runDir}`,
    `--epochs=${cfg.epochs}`,
    `--learning-rate=${cfg.learningRate}`,
    `--batch-size=${cfg.batchSize}`,
    `--gradient-accumulation=${cfg.gradientAccumulation}`,
    `--max-length=${cfg.maxLength}`,
    `--overlong=${cfg.overlong}`,
    `--eval-fraction=${cfg.evalFraction}`,
    `--eval-points=${cfg.evalPoints}`,
    ...(cfg.loggingSteps ? [`--logging-steps=${cfg.loggingSteps}`] : []),
    ...(cfg.evalSteps ? [`--eval-steps=${cfg.evalSteps}`] : []),
    ...(cfg.saveSteps ? [`--save-steps=${cfg.saveSteps}`] : []),
    `--lora-r=${cfg.lora.r}`,
    `--lora-alpha=${cfg.lora.alpha}`,
    `--lora-dropout=${cfg.lora.dropout}`,
    `--target-modules=${cfg.lora.targetModules.join(',')}`,
    `--seed=${job.seed}`,
    ...(cfg.load4bit ? ['--load-4bit'] : []),
  ];
}

/** BASKETS_HF_LAUNCHER, a JSON array such as ["torchrun","--nproc_per_node","8"], replaces `accelerate launch`. */
export function launcherFromEnv(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed) || !parsed.length || !parsed.every((p) => typeof p === 'string' && p !== '')) {
    throw new Error('BASKETS_HF_LAUNCHER must be a JSON array of strings, e.g. ["torchrun","--nproc_per_node","8"]');
  }
  return parsed as string[];
}

/** Fine-tune with trainers/train_hf.py under accelerate, then make the adapter servable. */
export async function* trainWithHf(job: TrainJob, cfg: HfTrainerConfig, opts: HfTrainerOptions = {}): AsyncGenerator<TrainerEvent> {
  const launcher = opts.launcher ?? launcherFromEnv(process.env.BASKETS_HF_LAUNCHER);
  if (launcher && cfg.processes !== undefined) {
    yield { type: 'log', level: 'warn', message: `trainer.processes (${cfg.processes}) is not used: the launcher is set (${launcher.join(' ')}), so it decides how many processes run` };
  }
  let adapterDir: string | null = null;
  try {
    for await (const event of runHfProcess({
      runDir: job.runDir,
      args: hfScriptArgs(cfg, job),
      launcher,
      accelerateConfig: cfg.accelerateConfig,
      processes: cfg.processes,
      script: opts.script,
      signal: job.signal,
      stopGraceMs: opts.stopGraceMs,
      nvidiaSmi: opts.nvidiaSmi,
    })) {
      if (event.type === 'done') adapterDir = event.adapterDir;
      else if (event.type === 'log') yield { ...event, message: sanitizeLine(event.message) };
      else yield event;
    }
  } catch (err) {
    if (err instanceof TrainingFailedError && err.logTail.length) {
      yield* logTailEvents(err);
      throw new Error(`${err.message} (full log: ${err.logFile})`, { cause: err });
    }
    throw err;
  }
  if (!adapterDir) throw new Error(`training of ${job.name} ended without an adapter: see ${join(job.runDir, 'train.log')}`);
  yield* serveAdapter(job, cfg, adapterDir, opts);
}

/**
 * The last lines of a failed run's log, one event per line (a log view shows one line per
 * event, so a joined tail would fold into one truncated line). Indentation is kept: it is
 * what makes a Python traceback readable.
 */
export function* logTailEvents(err: TrainingFailedError): Generator<Extract<TrainerEvent, { type: 'log' }>> {
  yield { type: 'log', level: 'error', message: `last ${err.logTail.length} lines of ${err.logFile}:` };
  for (const line of err.logTail) yield { type: 'log', level: 'error', message: `  ${sanitizeLine(line).trimEnd()}` };
}

/**
 * Register a trained adapter with the vLLM server at trainer.serveBaseUrl, or, without one,
 * record the exact command that serves it.
 */
export async function* serveAdapter(job: TrainJob, cfg: HfTrainerConfig, adapterDir: string, opts: HfTrainerOptions = {}): AsyncGenerator<TrainerEvent> {
  const name = opts.servedName ?? job.name;
  let model: TrainedModel;
  if (cfg.serveBaseUrl) {
    const apiKey = opts.apiKeyEnv ? process.env[opts.apiKeyEnv] : undefined;
    const outcome = await loadLoraAdapter(cfg.serveBaseUrl, name, adapterDir, { apiKey, signal: job.signal });
    yield {
      type: 'log',
      level: outcome === 'loaded' ? 'info' : 'warn',
      message: outcome === 'loaded' ? `adapter loaded into ${cfg.serveBaseUrl} as "${name}"` : `"${name}" was already loaded into ${cfg.serveBaseUrl}; kept it`,
    };
    model = { kind: 'openai', baseUrl: cfg.serveBaseUrl, model: name, ...(opts.apiKeyEnv ? { apiKeyEnv: opts.apiKeyEnv } : {}) };
  } else {
    const serveCommand = vllmServeCommand(cfg.baseModel, name, adapterDir, cfg.lora.r);
    yield {
      type: 'log',
      level: 'info',
      message: opts.inProcess
        ? `adapter saved to ${adapterDir}; the hf engine evaluates the condition with it, nothing to serve`
        : `adapter saved to ${adapterDir}; to evaluate it, serve it with: ${formatCommand(serveCommand)} (with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True, set trainer.serveBaseUrl and rerun train to register it)`,
    };
    model = { kind: 'unserved', adapterDir, serveCommand };
  }
  yield { type: 'trained', model };
}
