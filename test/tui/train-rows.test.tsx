import { describe, expect, it } from 'vitest';
import { renderApp, useRecordedSession } from './render.js';

describe('Run notebook: several runs training at once', () => {
  // Written in the shape the runner logs three hf runs on three GPUs: their metrics and
  // progress interleave, each at its own pace; one has finished, two are still training.
  const tmp = useRecordedSession('three', 'train-three-events.jsonl');

  it('gives each run a compact row with its step/total, latest loss and ETA', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir, initialScreen: 'run', initialSession: 'three', rows: 50, columns: 140 });
    app.setLockAlive(true); // a live run: its rows carry ETAs
    await app.waitFor(/qwen-s\/multi.*ETA/);
    const rows = app.frame().split('\n');
    const row = (task: string) => rows.find((l) => new RegExp(`${task.replace('/', '\\/')}\\s+[█░]+ `).test(l)) ?? '';
    expect(row('qwen-s/human')).toMatch(/qwen-s\/human\s+█+ 100\/100 steps {2}loss 1\.600 eval 1\.800\s*$/);
    expect(row('qwen-s/single')).toMatch(/qwen-s\/single\s+█+░+ 60\/200 steps {2}loss 2\.200 eval 2\.400 {2}ETA (\d+m)?\d+s\s*$/);
    expect(row('qwen-s/multi')).toMatch(/qwen-s\/multi\s+█*░+ 30\/300 steps {2}loss 2\.700 eval 2\.900 {2}ETA (\d+m)?\d+s\s*$/);
    // The runs with more left to do have the longer ETA (each row's from its own pace).
    const eta = (task: string) => {
      const [, m, sec] = /ETA (?:(\d+)m)?(\d+)s/.exec(row(task))!;
      return Number(m ?? 0) * 60 + Number(sec);
    };
    expect(eta('qwen-s/multi')).toBeGreaterThan(eta('qwen-s/single'));
    // The loss chart follows the run whose metrics came last, not the one furthest along.
    expect(app.frame()).toMatch(/qwen-s\/multi: step 30\/300/);
    expect(app.frame()).not.toMatch(/qwen-s\/human: step 100\/100/);
  });
});
