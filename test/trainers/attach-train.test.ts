import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attachTraining } from '../../src/commands/attach-train.js';
import { UsageError } from '../../src/commands/errors.js';

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);
/** Printed lines without their [hh:mm:ss] clock. */
const collect = () => {
  const lines: string[] = [];
  return { lines, out: (l: string) => lines.push(l.replace(/^\[\d\d:\d\d:\d\d\] /, '')) };
};

describe('baskets attach --train (a run started outside baskets)', () => {
  it('prints the progress of an axolotl / TRL run from its captured output, garbage and eval bars ignored', async () => {
    const { lines, out } = collect();
    expect(await attachTraining(fixture('axolotl-output.txt'), { follow: false }, out)).toBe(0);
    expect(lines).toEqual([
      `following ${fixture('axolotl-output.txt')}`,
      'train: axolotl-output.txt step 10/40 · loss 1.9821 · lr 2.0e-5',
      'train: axolotl-output.txt step 10/40 · eval 1.8502',
      'train: axolotl-output.txt step 20/40 · loss 1.6012 · lr 1.5e-5',
      'train: axolotl-output.txt step 20/20', // the end-of-training summary
    ]);
  });

  it("prints train_hf.py's own lines run by hand, with learning rate, throughput, trainer memory and ETA", async () => {
    const { lines, out } = collect();
    expect(await attachTraining(fixture('hf-script-output.txt'), { follow: false }, out)).toBe(0);
    expect(lines.slice(1)).toEqual([
      'train: hf-script-output.txt step 5/24 · loss 5.5123 · lr 1.9e-4 · 5121 tok/s · mem 2210 MB · ETA 8s',
      'train: hf-script-output.txt step 10/24 · loss 4.9011 · lr 1.5e-4 · 5301 tok/s · mem 2210 MB · ETA 6s',
      'train: hf-script-output.txt step 20/24 · loss 4.0000 · lr 3.0e-5 · 5333 tok/s · mem 2211 MB · ETA 2s',
      'train: hf-script-output.txt step 24/24 · eval 4.9500 · 5013 tok/s · mem 2211 MB',
    ]);
  });

  it('follows a LLaMA-Factory output dir as it grows and ends by itself at the last step', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-attach-'));
    const log = join(dir, 'trainer_log.jsonl');
    writeFileSync(log, '{"current_steps": 10, "total_steps": 30, "loss": 1.5, "lr": 4.9e-05, "throughput": 1234.5, "remaining_time": "0:01:02"}\n');
    const { lines, out } = collect();
    const done = attachTraining(dir, { pollMs: 20 }, out);
    setTimeout(() => appendFileSync(log, 'not json\n{"current_steps": 20, "total_steps": 30, "loss": 1.2}\n'), 60);
    setTimeout(() => appendFileSync(log, '{"current_steps": 30, "total_steps": 30, "loss": 1.1}\n'), 120);
    expect(await done).toBe(0);
    const name = dir.split('/').at(-1);
    expect(lines.slice(1)).toEqual([
      `train: ${name} step 10/30 · loss 1.5000 · lr 4.9e-5 · 1235 tok/s · ETA 1m02s`,
      `train: ${name} step 20/30 · loss 1.2000`,
      `train: ${name} step 30/30 · loss 1.1000`,
    ]);
  });

  it("follows a Trainer's stdout log without progress bars, no total made up, until its end-of-training summary", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-attach-'));
    const log = join(dir, 'train.log');
    const [first, ...rest] = readFileSync(fixture('hf-trainer-stdout.txt'), 'utf8').split('\n').filter((l) => l.startsWith('{'));
    writeFileSync(log, first + '\n');
    const { lines, out } = collect();
    let ended = false;
    const done = attachTraining(log, { pollMs: 20 }, out).finally(() => (ended = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(ended).toBe(false); // one record is not the end of the run
    appendFileSync(log, rest.join('\n') + '\n');
    expect(await done).toBe(0);
    expect(lines.slice(1)).toEqual([
      'train: train.log step 1 · loss 1.9000 · lr 1.0e-4',
      'train: train.log step 2 · loss 1.7000 · lr 8.0e-5',
      'train: train.log step 3 · loss 1.5000 · lr 6.0e-5',
      'train: train.log step 3/3',
    ]);
  });

  it('shows the NaN and infinite losses of a diverged run from its trainer_state.json', async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'baskets-attach-')), 'trainer_state.json');
    copyFileSync(fixture('trainer_state-diverged.json'), state);
    const { lines, out } = collect();
    expect(await attachTraining(state, { follow: false }, out)).toBe(0);
    expect(lines.slice(1)).toEqual([
      'train: trainer_state.json step 10/40 · loss 2.0100 · lr 1.8e-5',
      'train: trainer_state.json step 20/40 · loss Infinity · eval -Infinity · lr 1.2e-5',
      'train: trainer_state.json step 30/40 · loss NaN · lr 6.0e-6',
    ]);
  });

  it('says once, in one line, what is wrong with a trainer_state.json, and keeps following it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-attach-'));
    const state = join(dir, 'trainer_state.json');
    writeFileSync(state, '{"log_history": {}, "max_steps": 20}');
    const { lines, out } = collect();
    const done = attachTraining(state, { pollMs: 20 }, out);
    setTimeout(() => writeFileSync(state, '{"log_history": {} , "max_steps": 20}'), 60);
    setTimeout(() => writeFileSync(state, '{"log_history": [{"loss": 1.5, "step": 20}], "max_steps": 20}'), 120);
    expect(await done).toBe(0);
    expect(lines.slice(1)).toEqual([
      `train: warn: cannot read ${state}: its log_history is an object, not a list of log records; still following, for when the Trainer rewrites it`,
      'train: trainer_state.json step 20/20 · loss 1.5000',
    ]);
  });

  it('with --json writes the train-metrics events a baskets run logs, from a trainer_state.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-attach-'));
    copyFileSync(fixture('trainer_state.json'), join(dir, 'trainer_state.json'));
    const { lines, out } = collect();
    expect(await attachTraining(dir, { json: true, follow: false }, out)).toBe(0);
    const events = lines.map((l) => JSON.parse(l));
    expect(events.map((e) => [e.type, e.step, e.metrics.step, e.metrics.totalSteps, e.metrics.loss, e.metrics.evalLoss])).toEqual([
      ['train-metrics', 'train', 10, 40, 2.01, 1.95],
      ['train-metrics', 'train', 20, 40, 1.77, undefined],
    ]);
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
    await expect(attachTraining('/nonexistent/run', {}, () => {})).rejects.toThrow(UsageError);
    await expect(attachTraining('/nonexistent/run', {}, () => {})).rejects.toThrow('/nonexistent/run does not exist: give a training output dir, a log file or a trainer_state.json');
  });
});
