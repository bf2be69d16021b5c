import { appendFileSync, copyFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attachTraining } from '../../src/commands/attach-train.js';
import { ConfigError } from '../../src/domain/errors.js';

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);
/** Output of real runs of the HF Trainer, TRL and train_hf.py (fixtures/real/make_real_logs.py). */
const real = (name: string) => fixture(join('real', name));
/** Printed lines without their [hh:mm:ss] clock. */
const collect = () => {
  const lines: string[] = [];
  return { lines, out: (l: string) => lines.push(l.replace(/^\[\d\d:\d\d:\d\d\] /, '')) };
};

describe('baskets attach --train (a run started outside baskets)', () => {
  it("prints a TRL run's progress from its captured output: the Trainer's own steps, not datasets' bars", async () => {
    const { lines, out } = collect();
    expect(await attachTraining(real('trl-sft.txt'), { follow: false }, out)).toBe(0);
    expect(lines.slice(0, 5)).toEqual([
      `following ${real('trl-sft.txt')}`,
      'train: trl-sft.txt step 2/20 · loss 5.5160 · lr 9.5e-4',
      'train: trl-sft.txt step 4/20 · loss 5.3890 · lr 8.5e-4',
      'train: trl-sft.txt step 5/20 · eval 5.2710',
      'train: trl-sft.txt step 6/20 · loss 5.2930 · lr 7.5e-4',
    ]);
    // Past the last step it reads what is written already: the final evaluation, then the end-of-training summary.
    expect(lines.slice(-2)).toEqual(['train: trl-sft.txt step 20/20 · eval 4.9810', 'train: trl-sft.txt step 20/20']);
  });

  it("prints train_hf.py's own lines run by hand, with learning rate, throughput and ETA", async () => {
    const { lines, out } = collect();
    expect(await attachTraining(real('baskets-train-hf.txt'), { follow: false }, out)).toBe(0);
    expect(lines[1]).toMatch(/^train: baskets-train-hf\.txt step 1\/23 · loss 5\.5546 · lr 0\.0e\+0 · \d+ tok\/s · ETA \d+s$/);
    expect(lines.at(-1)).toMatch(/^train: baskets-train-hf\.txt step 23\/23 · eval 5\.3461 · \d+ tok\/s$/);
  });

  it('follows a LLaMA-Factory output dir as it grows and ends by itself at the last step, which has no loss', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-attach-'));
    const log = join(dir, 'trainer_log.jsonl');
    writeFileSync(log, '{"current_steps": 10, "total_steps": 30, "loss": 1.5, "lr": 4.9e-05, "throughput": 1234.5, "remaining_time": "0:01:02"}\n');
    const { lines, out } = collect();
    // The trainer writes its next record once the follower has shown the last one, however slow either is.
    const next = new Map([
      ['step 10/30', 'not json\n{"current_steps": 20, "total_steps": 30, "loss": 1.2}\n'],
      ['step 20/30', '{"current_steps": 30, "total_steps": 30, "epoch": 3.0, "percentage": 100.0, "remaining_time": "0:00:00"}\n'],
    ]);
    const done = attachTraining(dir, { pollMs: 20 }, (line) => {
      out(line);
      for (const [shown, record] of next) if (line.includes(shown)) appendFileSync(log, record);
    });
    expect(await done).toBe(0);
    const name = dir.split('/').at(-1);
    expect(lines.slice(1)).toEqual([
      `train: ${name} step 10/30 · loss 1.5000 · lr 4.9e-5 · 1235 tok/s · ETA 1m02s`,
      `train: ${name} step 20/30 · loss 1.2000`,
      `train: ${name} step 30/30`,
    ]);
  });

  it("follows a Trainer's stdout log without progress bars, no total made up, until its end-of-training summary", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-attach-'));
    const log = join(dir, 'train.log');
    const [first, ...rest] = readFileSync(real('hf-trainer-v5.stdout.txt'), 'utf8').split('\n');
    writeFileSync(log, first + '\n');
    const { lines, out } = collect();
    let ended = false;
    const done = attachTraining(log, { pollMs: 20 }, out).finally(() => (ended = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(ended).toBe(false); // one record is not the end of the run
    appendFileSync(log, rest.join('\n'));
    expect(await done).toBe(0);
    expect(lines.slice(1, 4)).toEqual(['train: train.log step 1 · loss 5.5020 · lr 9.5e-4', 'train: train.log step 2 · loss 5.3570 · lr 8.5e-4', 'train: train.log step 2 · eval 5.2330']);
    expect(lines.at(-1)).toBe('train: train.log step 10/10');
  });

  it('shows the NaN eval loss of a diverged run from its trainer_state.json', async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'baskets-attach-')), 'trainer_state.json');
    copyFileSync(real('diverged-output/checkpoint-20/trainer_state.json'), state);
    const { lines, out } = collect();
    expect(await attachTraining(state, { follow: false }, out)).toBe(0);
    expect(lines[1]).toBe('train: trainer_state.json step 2/20 · loss 5.5512 · lr 9.5e+29');
    expect(lines).toContain('train: trainer_state.json step 5/20 · eval NaN');
  });

  it('says once, in one line, what is wrong with a trainer_state.json, and keeps following it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-attach-'));
    const state = join(dir, 'trainer_state.json');
    writeFileSync(state, '{"log_history": {}, "max_steps": 20}');
    const { lines, out } = collect();
    // Once the follower has said what is wrong, the Trainer rewrites the file, as wrong as before,
    // and a few polls later right. (A loaded machine may skip the middle version: never a failure.)
    const done = attachTraining(state, { pollMs: 20 }, (line) => {
      out(line);
      if (!line.includes('warn: cannot read')) return;
      writeFileSync(state, '{"log_history": {} , "max_steps": 20}');
      setTimeout(() => writeFileSync(state, '{"log_history": [{"loss": 1.5, "step": 20}], "max_steps": 20}'), 100);
    });
    expect(await done).toBe(0);
    expect(lines.slice(1)).toEqual([
      `train: warn: cannot read ${state}: its log_history is an object, not a list of log records; still following, for when the Trainer rewrites it`,
      'train: trainer_state.json step 20/20 · loss 1.5000',
    ]);
  });

  it('with --json writes the train-metrics events a baskets run logs, from an output dir of checkpoints and TensorBoard logs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-attach-'));
    cpSync(real('hf-trainer-v5-output'), dir, { recursive: true });
    const { lines, out } = collect();
    expect(await attachTraining(dir, { json: true, follow: false }, out)).toBe(0);
    const events = lines.map((l) => JSON.parse(l));
    expect(events.slice(0, 3).map((e) => [e.type, e.step, e.metrics.step, e.metrics.totalSteps])).toEqual([
      ['train-metrics', 'train', 2, 20],
      ['train-metrics', 'train', 4, 20],
      ['train-metrics', 'train', 5, 20],
    ]);
    expect(events[2].metrics.evalLoss).toBeCloseTo(5.2333, 4);
  });

  it('says what it looked for in a dir with nothing to follow, and that there was no progress', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-attach-'));
    writeFileSync(join(dir, 'notes.txt'), 'Loading checkpoint shards...\n');
    const { lines, out } = collect();
    expect(await attachTraining(dir, { follow: false }, out)).toBe(1);
    expect(lines[1]).toMatch(/^train: warn: nothing to follow in .* yet: looked for metrics\.jsonl \(baskets\), trainer_log\.jsonl \(LLaMA-Factory\)/);
    expect(lines.at(-1)).toMatch(/^no training progress found in /);
  });

  it('stops following when the signal aborts (Ctrl-C detaches) and says when there was nothing to read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-attach-'));
    const empty = join(dir, 'train.log');
    writeFileSync(empty, 'Loading checkpoint shards...\n');
    const { lines, out } = collect();
    expect(await attachTraining(empty, { follow: false }, out)).toBe(1);
    expect(lines.at(-1)).toMatch(/^no training progress found in .*train\.log: expected HF Trainer log dicts/);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 80);
    expect(await attachTraining(empty, { signal: abort.signal, pollMs: 20 }, () => {})).toBe(0);
  });

  it('refuses a target that does not exist, saying what to give it', async () => {
    await expect(attachTraining('/nonexistent/run', {}, () => {})).rejects.toThrow(ConfigError);
    await expect(attachTraining('/nonexistent/run', {}, () => {})).rejects.toThrow('/nonexistent/run does not exist: give a training output dir, a log file or a trainer_state.json');
  });
});
