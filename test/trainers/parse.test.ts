import { copyFileSync, mkdtempSync, readFileSync, appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { atLastStep, type TrainMetrics } from '../../src/pipeline/events.js';
import { followTrainingOutput } from '../../src/trainers/hf/follow.js';
import { parseDuration, parsePythonJson, parseTrainerState, TrainLogFollower } from '../../src/trainers/hf/parse.js';
import { parsePythonLiteral } from '../../src/trainers/hf/python-literal.js';

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);
const lines = (name: string) => readFileSync(fixture(name), 'utf8').split('\n');
const followAll = (name: string) => {
  const f = new TrainLogFollower();
  return lines(name).map((l) => f.push(l)).filter((m): m is TrainMetrics => m !== null);
};
async function collect(gen: AsyncGenerator<TrainMetrics>): Promise<TrainMetrics[]> {
  const out: TrainMetrics[] = [];
  for await (const m of gen) out.push(m);
  return out;
}

describe('python literal parser', () => {
  it('reads the dicts the HF Trainer prints', () => {
    expect(parsePythonLiteral("{'loss': 1.5, 'lr': 2e-05, 'ok': True, 'x': None, 'g': nan, 'l': [1, (2, 3)], 's': 'it\\'s'}")).toEqual({
      loss: 1.5,
      lr: 2e-5,
      ok: true,
      x: null,
      g: NaN,
      l: [1, [2, 3]],
      s: "it's",
    });
  });
  it('reads the nan and inf a diverged run prints', () => {
    expect(parsePythonLiteral("{'loss': inf, 'eval_loss': -inf, 'g': nan}")).toEqual({ loss: Infinity, eval_loss: -Infinity, g: NaN });
  });
  it('rejects what is not a literal', () => {
    expect(parsePythonLiteral("{'loss': tensor(0.5)}")).toBeUndefined();
    expect(parsePythonLiteral("{'loss': 1.5")).toBeUndefined();
    expect(parsePythonLiteral('{} trailing')).toBeUndefined();
  });
});

describe('training log parser', () => {
  it("reads baskets' own script output and ignores the garbage around it", () => {
    const records = followAll('hf-script-output.txt');
    expect(records.map((r) => [r.step, r.loss ?? null, r.evalLoss ?? null])).toEqual([
      [5, 5.5123, null],
      [10, 4.9011, null],
      [20, 4.0, null],
      [24, null, 4.95],
    ]);
    expect(records[0]).toEqual({
      step: 5,
      totalSteps: 24,
      loss: 5.5123,
      learningRate: 0.00019,
      epoch: 0.21,
      gradNorm: 1.84,
      tokensPerSecond: 5120.5,
      gpuMemoryMb: 2210.4,
      elapsedS: 2.1,
      remainingS: 7.98,
    });
  });

  it("ignores the Trainer's printed dicts once BASKETS_METRICS lines show they are repeats", () => {
    // A copy of train_hf.py that keeps PrinterCallback prints each log step twice.
    const f = new TrainLogFollower();
    const out = [
      'BASKETS_METRICS {"step": 5, "total_steps": 24, "loss": 5.5}',
      "{'loss': 5.5, 'grad_norm': 1.84, 'learning_rate': 0.00019, 'epoch': 0.21}",
      'BASKETS_METRICS {"step": 10, "total_steps": 24, "loss": 4.9}',
    ].map((l) => f.push(l));
    expect(out.map((m) => m && [m.step, m.loss])).toEqual([[5, 5.5], null, [10, 4.9]]);
  });

  it('follows axolotl / TRL printed dicts, taking the step from the training progress bar', () => {
    const records = followAll('axolotl-output.txt');
    expect(records).toEqual([
      { step: 10, totalSteps: 40, loss: 1.9821, gradNorm: 0.75, learningRate: 2e-5, epoch: 0.25 },
      { step: 10, totalSteps: 40, evalLoss: 1.8502, epoch: 0.25 },
      { step: 20, totalSteps: 40, loss: 1.6012, learningRate: 1.5e-5, epoch: 0.5 },
      { step: 20, totalSteps: 20 }, // the end-of-training summary: the run stopped at step 20
    ]);
  });

  it('counts log records when there is neither a step nor a progress bar, the total unknown (0)', () => {
    const f = new TrainLogFollower();
    expect(f.push("{'loss': 2.0, 'epoch': 0.1}")).toEqual({ step: 1, totalSteps: 0, loss: 2.0, epoch: 0.1 });
    expect(f.push("{'loss': 1.9, 'epoch': 0.2}")).toEqual({ step: 2, totalSteps: 0, loss: 1.9, epoch: 0.2 });
  });

  it("ends a log without progress bars at the Trainer's end-of-training summary, not at its first record", () => {
    const records = followAll('hf-trainer-stdout.txt');
    expect(records.map((r) => [r.step, r.totalSteps, r.loss ?? null])).toEqual([
      [1, 0, 1.9],
      [2, 0, 1.7],
      [3, 0, 1.5],
      [3, 3, null],
    ]);
    expect(records.map(atLastStep)).toEqual([false, false, false, true]);
  });

  it('ends at the summary where the progress bar stood (a run stopped early)', () => {
    const f = new TrainLogFollower();
    f.push(' 25%|██▌       | 10/40 [00:10<00:30,  1.01s/it]');
    expect(f.push("{'train_runtime': 10.2, 'train_loss': 1.7, 'epoch': 0.25}")).toEqual({ step: 10, totalSteps: 10 });
    expect(new TrainLogFollower().push("{'train_runtime': 1.0, 'train_loss': 1.7}")).toBeNull(); // nothing logged: no step to end at
  });

  it("keeps a NaN or infinite loss (the run diverged), not a NaN grad norm (fp16's skipped steps)", () => {
    const f = new TrainLogFollower();
    expect(f.push("{'loss': nan, 'grad_norm': nan, 'learning_rate': 1e-05, 'epoch': 0.1}")).toEqual({ step: 1, totalSteps: 0, loss: NaN, learningRate: 1e-5, epoch: 0.1 });
    expect(f.push('{"current_steps": 2, "total_steps": 9, "loss": Infinity}')).toEqual({ step: 2, totalSteps: 9, loss: Infinity });
  });

  it("reads LLaMA-Factory's trainer_log.jsonl", () => {
    const records = followAll('llamafactory-trainer_log.jsonl');
    expect(records).toHaveLength(3);
    expect(records[0]).toEqual({ step: 10, totalSteps: 100, loss: 1.2345, learningRate: 4.9e-5, epoch: 0.1, elapsedS: 62, remainingS: 558, tokensPerSecond: 1234.5 });
    expect(records[1].remainingS).toBe(86400 + 8 * 60 + 16);
    expect(records[2]).toMatchObject({ step: 20, evalLoss: 1.15, elapsedS: 130 });
  });

  it('reads trainer_state.json, merging the train and eval records of a step', () => {
    const records = parseTrainerState(readFileSync(fixture('trainer_state.json'), 'utf8'));
    expect(records).toEqual([
      { step: 10, totalSteps: 40, loss: 2.01, gradNorm: 0.91, learningRate: 1.8e-5, epoch: 0.25, evalLoss: 1.95 },
      { step: 20, totalSteps: 40, loss: 1.77, gradNorm: 0.8, learningRate: 1.2e-5, epoch: 0.5 },
    ]);
  });

  it('reads the NaN and Infinity json.dumps writes into trainer_state.json once the loss diverges', () => {
    const text = readFileSync(fixture('trainer_state-diverged.json'), 'utf8');
    expect(parseTrainerState(text)).toEqual([
      { step: 10, totalSteps: 40, loss: 2.01, gradNorm: 0.91, learningRate: 1.8e-5, epoch: 0.25 },
      { step: 20, totalSteps: 40, loss: Infinity, evalLoss: -Infinity, learningRate: 1.2e-5, epoch: 0.5 },
      { step: 30, totalSteps: 40, loss: NaN, learningRate: 6e-6, epoch: 0.75 },
    ]);
    // Only bare tokens are read as numbers: the same words inside strings stay text.
    expect(parsePythonJson(text)).toMatchObject({ trial_name: 'NaN Infinity "NaN"' });
  });

  it('says what is wrong with a trainer_state.json it cannot read', () => {
    expect(() => parseTrainerState('{"log_history": [')).toThrow(/^not valid JSON \(.+\)$/);
    expect(() => parseTrainerState('null')).toThrow('not a JSON object, as the Trainer writes it');
    expect(() => parseTrainerState('{"log_history": {"loss": 1}}')).toThrow('its log_history is an object, not a list of log records');
    expect(() => parseTrainerState('{"global_step": 3}')).toThrow('its log_history is missing, not a list of log records');
  });

  it('parses durations as Python prints timedeltas', () => {
    expect(parseDuration('0:01:02')).toBe(62);
    expect(parseDuration('2 days, 1:00:00.5')).toBe(2 * 86400 + 3600.5);
    expect(parseDuration('soon')).toBeUndefined();
  });
});

describe('following a run started elsewhere', () => {
  it('prefers trainer_log.jsonl in an output dir and keeps following appended lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-follow-'));
    const log = join(dir, 'trainer_log.jsonl');
    writeFileSync(log, lines('llamafactory-trainer_log.jsonl').slice(0, 1).join('\n') + '\n');
    const abort = new AbortController();
    const seen: TrainMetrics[] = [];
    const following = (async () => {
      for await (const m of followTrainingOutput(dir, { signal: abort.signal, pollMs: 20 })) {
        seen.push(m);
        if (seen.length === 1) appendFileSync(log, '{"current_steps": 30, "total_steps": 100, "lo'); // half a line …
        if (seen.length === 1) setTimeout(() => appendFileSync(log, 'ss": 0.9}\n'), 60); // … completed later
        if (seen.length === 2) abort.abort();
      }
    })();
    await following;
    expect(seen.map((m) => [m.step, m.loss])).toEqual([
      [10, 1.2345],
      [30, 0.9],
    ]);
  });

  it("reads the newest checkpoint's trainer_state.json when a dir has no log file", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-follow-'));
    for (const step of [10, 20]) mkdirSync(join(dir, `checkpoint-${step}`));
    writeFileSync(join(dir, 'checkpoint-10', 'trainer_state.json'), '{"log_history": [{"loss": 3, "step": 10}], "max_steps": 40}');
    copyFileSync(fixture('trainer_state.json'), join(dir, 'checkpoint-20', 'trainer_state.json'));
    const records = await collect(followTrainingOutput(dir, { follow: false }));
    expect(records.map((r) => r.step)).toEqual([10, 20]);
    expect(records[1].loss).toBe(1.77);
  });

  it('warns once about a trainer_state.json it cannot read, and reads it once the Trainer rewrites it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-follow-'));
    const state = join(dir, 'trainer_state.json');
    writeFileSync(state, '{"log_history": [');
    const warnings: string[] = [];
    const abort = new AbortController();
    const seen: TrainMetrics[] = [];
    const rewrite = (text: string, ms: number) => setTimeout(() => writeFileSync(state, text), ms);
    rewrite('{"log_history": "oops"}', 60);
    rewrite('{"log_history": "oops" }', 120); // rewritten, the same problem
    rewrite(readFileSync(fixture('trainer_state.json'), 'utf8'), 180);
    for await (const m of followTrainingOutput(state, { signal: abort.signal, pollMs: 20, onWarning: (w) => warnings.push(w) })) {
      seen.push(m);
      if (seen.length === 2) abort.abort();
    }
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`^cannot read ${state}: not valid JSON \\(.+\\); still following, for when the Trainer rewrites it$`)),
      `cannot read ${state}: its log_history is a string, not a list of log records; still following, for when the Trainer rewrites it`,
    ]);
    expect(seen.map((m) => m.step)).toEqual([10, 20]);
  });

  it('says what to give it when the target does not exist', async () => {
    await expect(collect(followTrainingOutput('/nonexistent/run', { follow: false }))).rejects.toThrow(/does not exist/);
  });
});
