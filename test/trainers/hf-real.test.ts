import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent, TrainMetrics } from '../../src/domain/events.js';
import { runCli, startCli } from '../cli/cli.js';
import { makeTinyLlama, realPython, runPython, type RealPython } from '../helpers/python.js';

/**
 * trainers/train_hf.py for real: torch, transformers, PEFT and accelerate from the test
 * environment (scripts/python-env.sh), a tiny random Llama, and `baskets run` as a user runs it.
 */
const py = realPython(['torch', 'transformers', 'peft', 'accelerate']);
const skip = typeof py === 'string' ? py : undefined;
const TITLE = 'the hf trainer on the real stack (CPU)';
const HANG_GUARD = 600_000;

/** 100 instruction records: every 10th with a long context, responses of 8 to 67 words. */
function writeRecords(file: string): void {
  const words = 'the nation people congress year government states union peace war law power public time country'.split(' ');
  const text = (n: number, shift: number) => Array.from({ length: n }, (_, k) => words[(shift + k * 5) % words.length]).join(' ');
  const lines = Array.from({ length: 100 }, (_, i) =>
    JSON.stringify({ instruction: `Say something about item ${i}.`, context: i % 10 === 0 ? text(120, i) : '', response: `${text(8 + ((i * 7) % 60), i * 3)}.` }),
  );
  writeFileSync(file, lines.join('\n') + '\n');
}

/** A session whose one target trains with the hf trainer on the human half of `data`. */
function writeSession(sessions: string, name: string, data: string, model: string, trainer: Record<string, unknown>): void {
  mkdirSync(join(sessions, name), { recursive: true });
  const session = {
    version: 1,
    name,
    createdAt: '2026-12-01T00:00:00.000Z',
    seed: 11,
    data: { source: { kind: 'file', path: data }, testFraction: 0.2 },
    models: [
      {
        id: 'tiny',
        family: 'llama',
        size: 'small',
        roles: ['target'],
        engine: { engine: 'openai', baseUrls: ['http://127.0.0.1:9/v1'], model },
        // 80 train records, 8 held out by the trainer: 72 examples, 18 batches of 4 per epoch.
        trainer: { kind: 'hf', baseModel: model, epochs: 2, learningRate: 0.01, batchSize: 4, maxLength: 192, evalFraction: 0.1, ...trainer },
      },
    ],
    conditions: [{ name: 'tiny/human', target: 'tiny', kind: 'human' }],
  };
  writeFileSync(join(sessions, name, 'session.json'), JSON.stringify(session, null, 2));
}

const events = (stdout: string): RunEvent[] => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as RunEvent);
const metricsOf = (evs: RunEvent[]): TrainMetrics[] => evs.flatMap((e) => (e.type === 'train-metrics' ? [e.metrics] : []));
const messages = (evs: RunEvent[]): string[] => evs.flatMap((e) => (e.type === 'log' || (e.type === 'gpu' && e.message) ? [String(e.message)] : []));
const metricsFile = (runDir: string) =>
  readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { step: number; loss?: number; eval_loss?: number; tokens: number });
const trainingData = (runDir: string) => JSON.parse(readFileSync(join(runDir, 'data.json'), 'utf8')) as Record<string, number>;

describe.skipIf(skip)(skip ? `${TITLE} — SKIPPED: ${skip}` : TITLE, () => {
  const python = py as RealPython;
  let sessions: string;
  let data: string;
  let model: string;
  const run = (name: string, steps: string, env: NodeJS.ProcessEnv = {}) =>
    runCli(['--sessions', sessions, 'run', name, '--steps', steps, '--headless', '--json'], { ...python.env, ...env }, HANG_GUARD);
  const runDir = (name: string) => join(sessions, name, 'runs', 'tiny__human');

  beforeAll(() => {
    const root = mkdtempSync(join(tmpdir(), 'baskets-hf-real-'));
    sessions = join(root, 'sessions');
    data = join(root, 'records.jsonl');
    writeRecords(data);
    model = makeTinyLlama(python, join(root, 'tiny-llama'));
  }, HANG_GUARD);

  it(
    'trains through baskets run: falling loss, live metrics, evaluations along the way and one at the end, a loadable adapter, and what did not fit counted',
    () => {
      writeSession(sessions, 'one', data, model, {});
      const result = run('one', 'data,assemble,train');
      expect(result.code, result.stderr).toBe(0);
      const evs = events(result.stdout);
      const metrics = metricsOf(evs);
      expect(new Set(metrics.map((m) => m.totalSteps))).toEqual(new Set([36]));
      const train = metrics.filter((m) => m.loss !== undefined);
      // A short run logs every step, so its curve is live from the start.
      expect(train.map((m) => m.step)).toEqual(Array.from({ length: 36 }, (_, i) => i + 1));
      expect(train.at(-1)!.loss!).toBeLessThan(train[0].loss!);
      for (const m of train) {
        expect(m.learningRate).toBeGreaterThanOrEqual(0);
        expect(m.tokensPerSecond).toBeGreaterThan(0);
        expect(m.remainingS).toBeGreaterThanOrEqual(0);
      }
      // About ten evaluations over the run; the last step is evaluated once, not twice.
      const evals = metrics.filter((m) => m.evalLoss !== undefined).map((m) => m.step);
      expect(evals).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 36]);
      expect(messages(evs)).toContainEqual(expect.stringMatching(/^tiny\/human: training on the CPU, no CUDA device visible \(1 process/));

      // Long prompts are cut so their responses are learnt whole; responses too long even so lose their end.
      const fit = trainingData(runDir('one'));
      expect(fit).toMatchObject({ examples: 80, train: 72, held_out: 8, max_length: 192, overlong: 'truncate-prompt', dropped: 0 });
      expect(fit.prompt_truncated).toBeGreaterThan(0);
      expect(fit.response_truncated).toBeGreaterThan(0);
      const cut = fit.prompt_truncated + fit.response_truncated;
      expect(messages(evs)).toContain(`tiny/human: 72 trained, 8 held out; of 80, ${fit.prompt_truncated} had their prompt cut, ${fit.response_truncated} their response cut to fit 192 tokens (overlong: truncate-prompt)`);
      const finish = evs.find((e) => e.type === 'step-finish' && e.step === 'train');
      expect(finish).toMatchObject({ status: 'done', summary: expect.stringContaining(`(${cut} of 80 examples cut or left out)`) });

      // The report keeps the run: its last losses, where it trained, and the examples' fit.
      const report = JSON.parse(runCli(['--sessions', sessions, 'report', 'one', '--format', 'json']).stdout) as { results: { training: { models: unknown[] } } };
      expect(report.results.training.models).toEqual([
        { condition: 'tiny/human', target: 'tiny', kind: 'human', trainer: 'hf', steps: 36, loss: train.at(-1)!.loss, evalLoss: expect.any(Number), data: fit, device: expect.stringMatching(/^the CPU/) },
      ]);
      const markdown = runCli(['--sessions', sessions, 'report', 'one']).stdout;
      expect(markdown).toContain(`| tiny | tiny/human | examples trained | 72 |  | 80 | 72 trained, 8 held out; of 80, ${fit.prompt_truncated} had their prompt cut`);

      // metrics.jsonl: one line per log step; tokens count every training token of both epochs.
      const lines = metricsFile(runDir('one')).filter((l) => l.loss !== undefined);
      expect(lines.map((l) => l.step)).toEqual(train.map((m) => m.step));
      expect(lines.at(-1)!.tokens).toBe(2 * fit.train_tokens);

      // The adapter loads into the base with PEFT, and training moved its weights off LoRA's zero init.
      const loaded = runPython(
        python,
        `import sys, json, torch
from transformers import AutoModelForCausalLM
from peft import PeftModel
model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(sys.argv[1]), sys.argv[2])
b = [p.abs().sum().item() for n, p in model.named_parameters() if "lora_B" in n]
print(json.dumps({"modules": len(b), "moved": sum(b)}))`,
        [model, join(runDir('one'), 'adapter')],
      );
      const adapter = JSON.parse(loaded) as { modules: number; moved: number };
      expect(adapter.modules).toBe(2 * 4); // 2 layers × q, k, v, o
      expect(adapter.moved).toBeGreaterThan(0);
    },
    HANG_GUARD,
  );

  it(
    'stops cleanly on cancel with a checkpoint, and a rerun resumes from it to the end',
    async () => {
      writeSession(sessions, 'resume', data, model, { epochs: 10, saveSteps: 5 });
      const first = startCli(['--sessions', sessions, 'run', 'resume', '--steps', 'data,assemble,train', '--headless', '--json'], python.env);
      // A checkpoint is saved at step 5; cancel once the run is past it, as Ctrl-C does.
      await first.waitFor(/"type":"train-metrics".*"metrics":\{"step":(6|7|8|9|\d\d)\b/, HANG_GUARD);
      first.child.kill('SIGINT');
      await new Promise((resolve) => first.child.once('close', resolve));
      const cancelled = events(first.lines.join('\n'));
      expect(cancelled.at(-1)).toMatchObject({ type: 'run-finish', status: 'cancelled' });
      expect(readFileSync(join(runDir('resume'), 'train.log'), 'utf8')).toMatch(/BASKETS_STOPPED \{"step": \d+\}/);
      const saved = readdirSync(runDir('resume'))
        .map((f) => /^checkpoint-(\d+)$/.exec(f)?.[1])
        .filter((n): n is string => n !== undefined)
        .map(Number);
      const last = Math.max(...saved);
      expect(last).toBeGreaterThanOrEqual(5);
      expect(existsSync(join(runDir('resume'), 'model.json'))).toBe(false);

      const second = run('resume', 'train');
      expect(second.code, second.stderr).toBe(0);
      const evs = events(second.stdout);
      expect(messages(evs)).toContain(`tiny/human: resuming from checkpoint-${last}`);
      const steps = metricsOf(evs)
        .filter((m) => m.loss !== undefined)
        .map((m) => m.step);
      expect(steps[0]).toBe(last + 1);
      expect(steps.at(-1)).toBe(180);
      expect(existsSync(join(runDir('resume'), 'adapter', 'adapter_model.safetensors'))).toBe(true);
    },
    HANG_GUARD,
  );

  /** Two CPU processes as one DDP run: each its half of every batch, metrics written once, tokens summed over both. */
  function expectTwoRanks(name: string, evs: RunEvent[]) {
    const metrics = metricsOf(evs);
    expect(new Set(metrics.map((m) => m.totalSteps))).toEqual(new Set([18]));
    const lines = metricsFile(runDir(name)).filter((l) => l.loss !== undefined);
    expect(lines.map((l) => l.step)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    expect(lines.at(-1)!.loss!).toBeLessThan(lines[0].loss!);
    expect(lines.at(-1)!.tokens).toBe(2 * trainingData(runDir(name)).train_tokens);
  }

  it(
    'trains with two processes as real DDP when the trainer asks for them (trainer.processes)',
    () => {
      writeSession(sessions, 'ddp', data, model, { processes: 2 });
      const result = run('ddp', 'data,assemble,train');
      expect(result.code, result.stderr).toBe(0);
      const evs = events(result.stdout);
      expect(messages(evs)).toContainEqual(expect.stringMatching(/training on the CPU, no CUDA device visible \(2 processes × 1 thread/));
      expectTwoRanks('ddp', evs);
    },
    HANG_GUARD,
  );

  it(
    'trains with two processes as real DDP under torchrun too (BASKETS_HF_LAUNCHER)',
    () => {
      writeSession(sessions, 'torchrun', data, model, {});
      const result = run('torchrun', 'data,assemble,train', { BASKETS_HF_LAUNCHER: '["torchrun","--nproc_per_node","2"]' });
      expect(result.code, result.stderr).toBe(0);
      expectTwoRanks('torchrun', events(result.stdout));
    },
    HANG_GUARD,
  );

  it(
    'shows the real exception as the likely cause of a crash, not the launcher that reported it',
    () => {
      writeSession(sessions, 'crash', data, model, { lora: { targetModules: ['no_such_proj'] } });
      const result = run('crash', 'data,assemble,train');
      expect(result.code).toBe(1);
      const finish = events(result.stdout).find((e) => e.type === 'step-finish' && e.step === 'train');
      expect(finish).toMatchObject({ status: 'failed', error: expect.stringMatching(/^training failed: \w+Error: Target modules \{'no_such_proj'\} not found in the base model/) });
      expect(JSON.stringify(finish)).not.toContain('CalledProcessError');
    },
    HANG_GUARD,
  );
});
