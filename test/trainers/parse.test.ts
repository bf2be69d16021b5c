import { copyFileSync, mkdtempSync, readFileSync, appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { atLastStep, type TrainMetrics } from '../../src/domain/events.js';
import { followTrainingOutput } from '../../src/trainers/hf/follow.js';
import { numberOf, parseDuration, parsePythonJson, parseTrainerState, TrainLogFollower } from '../../src/trainers/hf/parse.js';
import { parsePythonLiteral } from '../../src/trainers/hf/python-literal.js';

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);
/** Output of real runs (fixtures/real/make_real_logs.py): tqdm redraws with \r are lines of their own, as the launcher splits them. */
const real = (name: string) => fixture(join('real', name));
const lines = (file: string) => readFileSync(file, 'utf8').split(/\r?\n|\r/);
const followAll = (file: string) => {
  const f = new TrainLogFollower();
  return [...lines(file).flatMap((l) => f.push(l)), ...f.flush()];
};
const steps = (records: TrainMetrics[]) => records.map((r) => [r.step, r.totalSteps, r.loss ?? null, r.evalLoss ?? null]);
async function collect(gen: AsyncGenerator<TrainMetrics>): Promise<TrainMetrics[]> {
  const out: TrainMetrics[] = [];
  for await (const m of gen) out.push(m);
  return out;
}

/** The 20-step Trainer runs of fixtures/real: [step, total, loss, eval loss] of every record, as the Trainer printed them. */
const EXPECTED_V5 = [
  [2, 20, 5.502, null],
  [4, 20, 5.357, null],
  [5, 20, null, 5.233],
  [6, 20, 5.254, null],
  [8, 20, 5.176, null],
  [10, 20, 5.113, null],
  [10, 20, null, 5.072],
  [12, 20, 5.053, null],
  [14, 20, 5.012, null],
  [15, 20, null, 4.968],
  [16, 20, 4.978, null],
  [18, 20, 4.949, null],
  [20, 20, 4.932, null],
  [20, 20, null, 4.926],
  [20, 20, null, null], // the end-of-training summary
];

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
  it("reads baskets' own script output (train_hf.py run by hand) and ignores what is around it", () => {
    const records = followAll(real('baskets-train-hf.txt'));
    expect(records.length).toBe(23 + 8); // every step, and an evaluation every 3 steps and at the end
    expect(records.filter((r) => r.evalLoss !== undefined).map((r) => r.step)).toEqual([3, 6, 9, 12, 15, 18, 21, 23]);
    expect(records[0]).toEqual({
      step: 1,
      totalSteps: 23,
      loss: expect.any(Number),
      learningRate: 0,
      epoch: 1 / 23,
      gradNorm: expect.any(Number),
      tokensPerSecond: expect.any(Number),
      elapsedS: expect.any(Number),
      remainingS: expect.any(Number),
    });
    expect(records.at(-1)).toMatchObject({ step: 23, totalSteps: 23, remainingS: 0 });
  });

  it("ignores the Trainer's printed dicts once BASKETS_METRICS lines show they are repeats", () => {
    // A copy of train_hf.py that keeps PrinterCallback prints each log step twice.
    const f = new TrainLogFollower();
    const out = [
      'BASKETS_METRICS {"step": 5, "total_steps": 24, "loss": 5.5}',
      "{'loss': '5.5', 'grad_norm': '1.84', 'learning_rate': '0.00019', 'epoch': '0.21'}",
      'BASKETS_METRICS {"step": 10, "total_steps": 24, "loss": 4.9}',
    ].flatMap((l) => f.push(l));
    expect(out.map((m) => [m.step, m.loss])).toEqual([
      [5, 5.5],
      [10, 4.9],
    ]);
  });


  it('reads a transformers 5 Trainer log: values printed as strings, each dict at the step its bar is redrawn at, datasets and eval bars left alone', () => {
    const records = followAll(real('hf-trainer-v5.txt'));
    expect(steps(records)).toEqual(EXPECTED_V5);
    expect(records[0]).toEqual({ step: 2, totalSteps: 20, loss: 5.502, gradNorm: 1.501, learningRate: 0.00095, epoch: 0.1 });
  });

  it("reads a TRL SFTTrainer log, not taking its 'Tokenizing train dataset … 80/80' bars for the run", () => {
    const records = followAll(real('trl-sft.txt'));
    expect(records.map((r) => r.step)).toEqual(EXPECTED_V5.map(([step]) => step));
    expect(new Set(records.map((r) => r.totalSteps))).toEqual(new Set([20]));
    expect(records.filter((r) => r.evalLoss !== undefined).map((r) => r.step)).toEqual([5, 10, 15, 20]);
    expect(records[0]).toMatchObject({ step: 2, loss: 5.516, learningRate: 0.00095 });
  });

  it('numbers the records of a log without progress bars (stdout kept apart), an evaluation at the log step before it, no total made up', () => {
    const records = followAll(real('hf-trainer-v5.stdout.txt'));
    expect(steps(records).slice(0, 4)).toEqual([
      [1, 0, 5.502, null],
      [2, 0, 5.357, null],
      [2, 0, null, 5.233],
      [3, 0, 5.254, null],
    ]);
    // The end-of-training summary ends the run where the records stopped.
    expect(records.at(-1)).toEqual({ step: 10, totalSteps: 10 });
    expect(records.slice(0, -1).map(atLastStep).every((last) => !last)).toBe(true);
  });

  it("keeps a diverged run's NaN eval loss, not its NaN grad norm", () => {
    const records = followAll(real('diverged.txt'));
    const evals = records.filter((r) => r.evalLoss !== undefined);
    expect(evals.map((r) => [r.step, r.evalLoss])).toEqual([
      [5, NaN],
      [10, NaN],
      [15, NaN],
      [20, NaN],
    ]);
    expect(records.some((r) => r.gradNorm !== undefined)).toBe(false);
  });

  it('places a record the moment the bar is redrawn, so a live follower shows each step as it happens', () => {
    const f = new TrainLogFollower();
    expect(f.push('  0%|          | 0/20 [00:00<?, ?it/s]')).toEqual([]);
    expect(f.push("{'loss': '5.502', 'learning_rate': '0.00095', 'epoch': '0.1'}")).toEqual([]);
    expect(f.push(' 10%|█         | 2/20 [00:00<00:00, 68.94it/s]')).toEqual([{ step: 2, totalSteps: 20, loss: 5.502, learningRate: 0.00095, epoch: 0.1 }]);
    // A bar and a dict on one line (the dict written after the bar): the dict waits for the next redraw.
    expect(f.push(" 20%|██        | 4/20 [00:01<00:04, 3.1it/s]{'loss': 5.357, 'epoch': 0.2}")).toEqual([]);
    expect(f.flush()).toEqual([{ step: 4, totalSteps: 20, loss: 5.357, epoch: 0.2 }]);
  });

  it('counts log records when there is neither a step nor a progress bar, the total unknown (0)', () => {
    const f = new TrainLogFollower();
    expect(f.push("{'loss': 2.0, 'epoch': 0.1}")).toEqual([{ step: 1, totalSteps: 0, loss: 2.0, epoch: 0.1 }]);
    expect(f.push("{'loss': '1.9', 'epoch': '0.2'}")).toEqual([{ step: 2, totalSteps: 0, loss: 1.9, epoch: 0.2 }]);
  });

  it('ends at the summary where the progress bar stood (a run stopped early)', () => {
    const f = new TrainLogFollower();
    f.push(' 25%|██▌       | 10/40 [00:10<00:30,  1.01s/it]');
    expect(f.push("{'train_runtime': '10.2', 'train_loss': '1.7', 'epoch': '0.25'}")).toEqual([{ step: 10, totalSteps: 10 }]);
    expect(new TrainLogFollower().push("{'train_runtime': 1.0, 'train_loss': 1.7}")).toEqual([]); // nothing logged: no step to end at
  });

  it("keeps a NaN or infinite loss (the run diverged) in either print format, not a NaN grad norm (fp16's skipped steps)", () => {
    const f = new TrainLogFollower();
    expect(f.push("{'loss': nan, 'grad_norm': nan, 'learning_rate': 1e-05, 'epoch': 0.1}")).toEqual([{ step: 1, totalSteps: 0, loss: NaN, learningRate: 1e-5, epoch: 0.1 }]);
    expect(f.push("{'loss': '-inf', 'grad_norm': 'nan', 'epoch': '0.2'}")).toEqual([{ step: 2, totalSteps: 0, loss: -Infinity, epoch: 0.2 }]);
    expect(f.push('{"current_steps": 3, "total_steps": 9, "loss": Infinity}')).toEqual([{ step: 3, totalSteps: 9, loss: Infinity }]);
  });

  it('reads printed numbers as numbers only: a string that is not one is not a value', () => {
    expect(numberOf('1e-05')).toBe(1e-5);
    expect(numberOf(' 5.56 ')).toBe(5.56);
    expect(numberOf('inf')).toBe(Infinity);
    expect(numberOf('0x10')).toBeUndefined();
    expect(numberOf('5.56 (ema)')).toBeUndefined();
    expect(numberOf(true)).toBeUndefined();
  });

  it("reads LLaMA-Factory's trainer_log.jsonl", () => {
    const records = followAll(fixture('llamafactory-trainer_log.jsonl'));
    expect(records).toHaveLength(3);
    expect(records[0]).toEqual({ step: 10, totalSteps: 100, loss: 1.2345, learningRate: 4.9e-5, epoch: 0.1, elapsedS: 62, remainingS: 558, tokensPerSecond: 1234.5 });
    expect(records[1].remainingS).toBe(86400 + 8 * 60 + 16);
    expect(records[2]).toMatchObject({ step: 20, evalLoss: 1.15, elapsedS: 130 });
  });

  it('reads trainer_state.json, merging the train and eval records of a step', () => {
    const records = parseTrainerState(readFileSync(real('hf-trainer-v5-output/checkpoint-20/trainer_state.json'), 'utf8'));
    expect(records.map((r) => r.step)).toEqual([2, 4, 5, 6, 8, 10, 12, 14, 15, 16, 18, 20]);
    expect(records.find((r) => r.step === 10)).toEqual({
      step: 10,
      totalSteps: 20,
      loss: expect.closeTo(5.1129, 4),
      gradNorm: expect.any(Number),
      learningRate: expect.closeTo(0.00055, 8),
      epoch: 0.5,
      evalLoss: expect.closeTo(5.0716, 4),
    });
  });

  it('reads the NaN that json.dumps writes into trainer_state.json once a run diverges', () => {
    const text = readFileSync(real('diverged-output/checkpoint-20/trainer_state.json'), 'utf8');
    const evals = parseTrainerState(text).filter((r) => r.evalLoss !== undefined);
    expect(evals.map((r) => [r.step, r.evalLoss])).toEqual([
      [5, NaN],
      [10, NaN],
      [15, NaN],
      [20, NaN],
    ]);
    // Only bare tokens are read as numbers: the same words inside strings stay text.
    expect(parsePythonJson('{"a": NaN, "b": "NaN Infinity", "c": -Infinity}')).toEqual({ a: NaN, b: 'NaN Infinity', c: -Infinity });
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
    writeFileSync(log, lines(fixture('llamafactory-trainer_log.jsonl')).slice(0, 1).join('\n') + '\n');
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

  it("reads the newest checkpoint's trainer_state.json when a dir holds nothing livelier, and says how to get live lines", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-follow-'));
    for (const step of [10, 20]) {
      mkdirSync(join(dir, `checkpoint-${step}`));
      copyFileSync(real(`hf-trainer-v5-output/checkpoint-${step}/trainer_state.json`), join(dir, `checkpoint-${step}`, 'trainer_state.json'));
    }
    const notes: string[] = [];
    const records = await collect(followTrainingOutput(dir, { follow: false, onWarning: (w) => notes.push(w) }));
    expect(records.map((r) => r.step)).toEqual([2, 4, 5, 6, 8, 10, 12, 14, 15, 16, 18, 20]);
    expect(notes).toEqual([expect.stringMatching(/^only checkpoints to read in .*: progress moves at each save .* 2>&1 \| tee .*train\.log\) and attach to that log, or report to TensorBoard/)]);
  });

  it('follows the TensorBoard event file an HF Trainer writes as it goes, the total from its checkpoints', async () => {
    const records = await collect(followTrainingOutput(real('hf-trainer-v5-output'), { follow: false }));
    // The same records as the printed log, at float32's precision rather than the print's 4 digits.
    expect(records).toHaveLength(EXPECTED_V5.length);
    records.forEach((r, i) => {
      const [step, total, loss, evalLoss] = EXPECTED_V5[i];
      expect([r.step, r.totalSteps]).toEqual([step, total]);
      if (loss === null) expect(r.loss).toBeUndefined();
      else expect(r.loss).toBeCloseTo(loss, 3);
      if (evalLoss === null) expect(r.evalLoss).toBeUndefined();
      else expect(r.evalLoss).toBeCloseTo(evalLoss, 3);
    });
  });

  it('says what it looked for in a dir with nothing to follow yet, and follows the log the run then writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-follow-'));
    const notes: string[] = [];
    const abort = new AbortController();
    const seen: TrainMetrics[] = [];
    const following = (async () => {
      for await (const m of followTrainingOutput(dir, { signal: abort.signal, pollMs: 20, onWarning: (w) => notes.push(w) })) {
        seen.push(m);
        if (atLastStep(m)) abort.abort();
      }
    })();
    await vi.waitFor(() => expect(notes).toHaveLength(1));
    expect(notes[0]).toMatch(/^nothing to follow in .* yet: looked for metrics\.jsonl \(baskets\), trainer_log\.jsonl \(LLaMA-Factory\), runs\/\*\/events\.out\.tfevents\.\* \(TensorBoard\), a \*\.log .*; waiting for the run to write one$/);
    copyFileSync(real('trl-sft.txt'), join(dir, 'train.log'));
    await following;
    expect(seen.map((m) => m.step)).toEqual([2, 4, 5, 6, 8, 10, 10, 12, 14, 15, 16, 18, 20, 20, 20]);
  });

  it('warns once about a trainer_state.json it cannot read, and reads it once the Trainer rewrites it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-follow-'));
    const state = join(dir, 'trainer_state.json');
    writeFileSync(state, '{"log_history": [');
    const warnings: string[] = [];
    const abort = new AbortController();
    const seen: TrainMetrics[] = [];
    // The Trainer rewrites the file each time the follower has said what is wrong with it: first
    // with another problem, then with the same one (said once), a few polls later right. (A loaded
    // machine may skip the middle version: never a failure.)
    const rewrite = (text: string) => writeFileSync(state, text);
    const onWarning = (w: string) => {
      warnings.push(w);
      if (warnings.length === 1) rewrite('{"log_history": "oops"}');
      if (warnings.length !== 2) return;
      rewrite('{"log_history": "oops" }');
      setTimeout(() => rewrite(readFileSync(real('hf-trainer-v5-output/checkpoint-10/trainer_state.json'), 'utf8')), 100);
    };
    for await (const m of followTrainingOutput(state, { signal: abort.signal, pollMs: 20, onWarning })) {
      seen.push(m);
      if (seen.length === 2) break;
    }
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`^cannot read ${state}: not valid JSON \\(.+\\); still following, for when the Trainer rewrites it$`)),
      `cannot read ${state}: its log_history is a string, not a list of log records; still following, for when the Trainer rewrites it`,
    ]);
    expect(seen.map((m) => m.step)).toEqual([2, 4]);
  });

  it('says what to give it when the target does not exist', async () => {
    await expect(collect(followTrainingOutput('/nonexistent/run', { follow: false }))).rejects.toThrow(/does not exist/);
  });
});
