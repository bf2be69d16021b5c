import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { TrainerConfig } from '../../src/domain/session.js';
import { trainWithHf, type HfTrainerConfig } from '../../src/trainers/hf/index.js';
import type { TrainerEvent, TrainJob } from '../../src/trainers/types.js';

const STANDIN = join(import.meta.dirname, 'fixtures', 'standin_trainer.py');

function setup(mode: string, extra: Partial<HfTrainerConfig> = {}) {
  const runDir = mkdtempSync(join(tmpdir(), 'baskets-hf-'));
  const abort = new AbortController();
  const job: TrainJob = { name: 'demo/human', datasetPath: join(runDir, 'data.jsonl'), runDir, seed: 7, signal: abort.signal };
  const cfg = TrainerConfig.parse({ kind: 'hf', baseModel: `standin:${mode}`, ...extra }) as HfTrainerConfig;
  const run = (opts: { stopGraceMs?: number; nvidiaSmi?: string | false } = {}) =>
    trainWithHf(job, cfg, { launcher: ['python3'], script: STANDIN, nvidiaSmi: false, ...opts });
  return { runDir, abort, run };
}

async function drain(gen: AsyncGenerator<TrainerEvent>, onEvent: (e: TrainerEvent) => void = () => {}) {
  const events: TrainerEvent[] = [];
  for await (const e of gen) {
    events.push(e);
    onEvent(e);
  }
  return events;
}

/** Running, as opposed to gone or a zombie (a container's PID 1 may never reap orphans). */
const alive = (pid: number) => {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
};

describe('hf launcher', () => {
  it('streams metrics and logs, keeps train.log, and records the serve command for the adapter', async () => {
    const { runDir, run } = setup('ok', { lora: { r: 64 } } as Partial<HfTrainerConfig>);
    const events = await drain(run());
    const losses = events.flatMap((e) => (e.type === 'metrics' ? [e.metrics.loss] : []));
    expect(losses).toEqual([2.5, 2, 1.5, 1]);
    expect(events).toContainEqual({ type: 'log', level: 'info', message: 'stand-in mode ok' });
    const last = events.at(-1);
    expect(last).toEqual({
      type: 'trained',
      model: {
        kind: 'unserved',
        adapterDir: join(runDir, 'adapter'),
        serveCommand: ['vllm', 'serve', 'standin:ok', '--enable-lora', '--lora-modules', `demo/human=${join(runDir, 'adapter')}`, '--max-lora-rank', '64'],
      },
    });
    // Arguments arrive as one array element each, in --key=value form.
    const argv = JSON.parse(readFileSync(join(runDir, 'argv.json'), 'utf8')) as string[];
    expect(argv).toContain('--model=standin:ok');
    expect(argv).toContain(`--output-dir=${runDir}`);
    expect(argv).toContain('--lora-r=64');
    expect(readFileSync(join(runDir, 'train.log'), 'utf8')).toMatch(/BASKETS_DONE/);
  });

  it('reports once that GPU stats are unavailable when nvidia-smi is missing', async () => {
    const { run } = setup('ok');
    const events = await drain(run({ nvidiaSmi: 'baskets-no-such-nvidia-smi' }));
    expect(events.filter((e) => e.type === 'gpu')).toEqual([{ type: 'gpu', samples: null, message: expect.stringMatching(/^nvidia-smi not found/) }]);
  });

  it('reports an nvidia-smi that quits at once (driver/library mismatch) with what it printed, while training goes on', async () => {
    const { abort, run } = setup('hang');
    const events: TrainerEvent[] = [];
    const gen = run({ nvidiaSmi: join(import.meta.dirname, 'fixtures', 'fake-nvidia-smi-mismatch') });
    await expect(
      drain(gen, (e) => {
        events.push(e);
        if (e.type === 'gpu') abort.abort(new Error('cancelled'));
      }),
    ).rejects.toThrow('cancelled');
    expect(events.filter((e) => e.type === 'gpu')).toEqual([
      { type: 'gpu', samples: null, message: expect.stringMatching(/^nvidia-smi exited with code 18: Failed to initialize NVML: Driver\/library version mismatch/) },
    ]);
  });

  it('passes hostile model names through untouched, never to a shell', async () => {
    const { runDir, run } = setup('ok; touch pwned $(id)');
    // The stand-in knows no such mode and exits without finishing; what matters is what it received.
    await expect(drain(run())).rejects.toThrow(/exited without finishing/);
    const argv = JSON.parse(readFileSync(join(runDir, 'argv.json'), 'utf8')) as string[];
    expect(argv[0]).toBe('--model=standin:ok; touch pwned $(id)');
    expect(existsSync('pwned')).toBe(false);
  });

  it('fails on a Python error with the error line as the cause and the log tail as an event', async () => {
    const { runDir, run } = setup('crash');
    const events: TrainerEvent[] = [];
    await expect(drain(run(), (e) => events.push(e))).rejects.toThrow(/ValueError: tokenizer has no attribute 'foo'.*train\.log/);
    // The tail arrives one line per event, so a log view shows each line instead of one folded line.
    const errors = events.flatMap((e) => (e.type === 'log' && e.level === 'error' ? [e.message] : []));
    expect(errors[0]).toBe(`last ${errors.length - 1} lines of ${join(runDir, 'train.log')}:`);
    expect(errors.every((m) => !m.includes('\n'))).toBe(true);
    // The script's protocol lines are events already; the tail is what it printed besides.
    expect(errors.some((m) => m.includes('BASKETS_'))).toBe(false);
    expect(errors).toContain('  Traceback (most recent call last):');
    expect(errors.at(-1)).toBe("  ValueError: tokenizer has no attribute 'foo'");
    // Python indents the source line 4 spaces under its File line; the tail keeps that indentation.
    expect(errors.some((m) => /^ {6}raise ValueError/.test(m))).toBe(true);
    expect(readFileSync(join(runDir, 'train.log'), 'utf8')).toMatch(/ValueError/);
  });

  it('recognises CUDA out of memory and says what to change', async () => {
    const { run } = setup('oom');
    await expect(drain(run())).rejects.toThrow(/CUDA out of memory: lower the batch size .* enable 4-bit/);
  });

  it('points a missing Python module at the requirements file', async () => {
    const { run } = setup('missing');
    await expect(drain(run())).rejects.toThrow(/Python module "peft_that_is_not_installed" is missing: pip install -r trainers\/requirements\.txt/);
  });

  it('says how to install accelerate when the launcher is not on PATH', async () => {
    const { runDir } = setup('ok');
    const abort = new AbortController();
    const job: TrainJob = { name: 'x', datasetPath: 'd.jsonl', runDir, seed: 1, signal: abort.signal };
    const cfg = TrainerConfig.parse({ kind: 'hf', baseModel: 'm' }) as HfTrainerConfig;
    const gen = trainWithHf(job, cfg, { launcher: ['accelerate-not-installed-here'], script: STANDIN, nvidiaSmi: false });
    await expect(drain(gen)).rejects.toThrow(/accelerate-not-installed-here not found on PATH/);
    const { projectFile } = await import('../../src/util/project-file.js');
    expect(existsSync(projectFile('trainers/requirements.txt'))).toBe(true);
  });

  it('stops a hanging run cleanly on cancel: the script saves a checkpoint and exits', async () => {
    const { runDir, abort, run } = setup('hang');
    const seen: TrainerEvent[] = [];
    await expect(
      drain(run(), (e) => {
        seen.push(e);
        if (seen.filter((x) => x.type === 'metrics').length === 3) abort.abort(new Error('cancelled'));
      }),
    ).rejects.toThrow('cancelled');
    expect(readFileSync(join(runDir, 'train.log'), 'utf8')).toMatch(/BASKETS_STOPPED/);
  });

  it('kills a run that ignores the stop request, workers included, after the grace period', async () => {
    // The stand-in and its worker ignore SIGTERM and sleep for ten minutes: the run ending at
    // all shows they were killed after the grace period.
    const { runDir, abort, run } = setup('stubborn');
    await expect(
      drain(run({ stopGraceMs: 300 }), (e) => {
        if (e.type === 'metrics') abort.abort(new Error('cancelled'));
      }),
    ).rejects.toThrow('cancelled');
    const pids = JSON.parse(readFileSync(join(runDir, 'pids.json'), 'utf8')) as number[];
    expect(pids).toHaveLength(2);
    // The pipes close a moment before the kernel finishes tearing a killed process down.
    // (The limit only makes a survivor a readable failure within the test's timeout.)
    await vi.waitFor(() => expect(pids.filter(alive)).toEqual([]), { timeout: 20_000, interval: 50 });
  });
});
