import { describe, expect, it } from 'vitest';
import { listBuiltinBases } from '../../src/engines/builtin/index.js';
import { startServer, type RunningServer } from '../../src/engines/serve/index.js';
import { generateStep } from '../../src/pipeline/steps/generate.js';
import { dollyExamples, makeSession, openaiSource, readRows, runStep } from './fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Once a few answers of `source` have landed, restarts `server` on the same port serving only
 * `model` (as a vLLM restart that no longer loads an adapter would), down for `downMs` between.
 */
async function restartMidStep(s: ReturnType<typeof makeSession>, source: string, server: RunningServer, model: string, downMs = 0): Promise<RunningServer> {
  while (readRows(s.paths.synthetic(source)).length < 3) await sleep(20);
  const port = Number(new URL(server.url).port);
  await server.close();
  await sleep(downMs);
  return startServer({ host: '127.0.0.1', port, models: [model] });
}

/** The step finished with every one of `items` answered once and no error row. */
async function expectCompleted(run: ReturnType<typeof runStep>, s: ReturnType<typeof makeSession>, source: string, items: number): Promise<void> {
  const { error } = await run;
  expect(error).toBeUndefined();
  const rows = readRows(s.paths.synthetic(source));
  expect(rows.filter((r) => r.error !== undefined)).toEqual([]);
  expect(new Set(rows.map((r) => r.key)).size).toBe(items);
}

describe('a server that goes away mid-step', () => {
  it('stops the step in one line after a few refused requests, instead of an error row for every item left', async () => {
    const base = listBuiltinBases()[0].id;
    const server = await startServer({ host: '127.0.0.1', port: 0, models: [base] });
    const source = openaiSource('gone', server.url, base, { concurrency: 1, maxRetries: 1 });
    const s = makeSession([source], dollyExamples(200));
    const run = runStep(generateStep, s, {});
    // Let some answers land, then take the server away.
    while (readRows(s.paths.synthetic('gone')).length < 3) await sleep(20);
    await server.close();
    const { error } = await run;
    expect(error?.message).toMatch(new RegExp(`^nothing is listening at ${server.url.replace(/[/.]/g, '\\$&')} any more: 3 requests in a row were refused after 2 attempts \\(the last: chat for model "gone"\\) — start the server again, then run the session with --retry-errors to resume$`));
    const rows = readRows(s.paths.synthetic('gone'));
    expect(rows.length).toBeLessThan(200);
    expect(rows.filter((r) => r.error !== undefined).length).toBeLessThanOrEqual(2); // the refusals before it gave up
  });

  it('stops the step in one line at the first request for a model the server no longer serves', async () => {
    const [base, other] = listBuiltinBases().map((b) => b.id);
    const first = await startServer({ host: '127.0.0.1', port: 0, models: [base] });
    const source = openaiSource('dropped', first.url, base, { concurrency: 1, maxRetries: 2 });
    const s = makeSession([source], dollyExamples(200));
    const run = runStep(generateStep, s, {});
    const second = await restartMidStep(s, 'dropped', first, other);
    try {
      const { error } = await run;
      expect(error?.message).toMatch(/^chat for model "dropped" at http:\/\/127\.0\.0\.1:\d+\/v1 failed( after \d attempts)?: HTTP 404: The model `[^`]+` does not exist; .* — the server does not serve this model or route: check engine\.model \(a fine-tuned condition: load its adapter on the server again, or delete its folder under runs\/ to retrain it\), then run again$/);
      // No error row for the items left: a plain rerun, once the model is served, does them all.
      const rows = readRows(s.paths.synthetic('dropped'));
      expect(rows.filter((r) => r.error !== undefined)).toEqual([]);
      expect(rows.length).toBeLessThan(200);
    } finally {
      await second.close();
    }
  });

  it('sends the rest to the other replica when one no longer serves the model, and finishes', async () => {
    const [base, other] = listBuiltinBases().map((b) => b.id);
    const first = await startServer({ host: '127.0.0.1', port: 0, models: [base] });
    const second = await startServer({ host: '127.0.0.1', port: 0, models: [base] });
    const source = openaiSource('two', first.url, base, { concurrency: 2, maxRetries: 2, baseUrls: [first.url, second.url] });
    const s = makeSession([source], dollyExamples(60));
    const run = runStep(generateStep, s, {});
    // Down for a moment first (a real restart): refused connections go to the other replica meanwhile.
    const restarted = await restartMidStep(s, 'two', first, other, 1500);
    try {
      await expectCompleted(run, s, 'two', 60);
    } finally {
      await Promise.all([restarted.close(), second.close()]);
    }
  });

  it('waits out a restart of the server (connections refused for a moment): no error row, no stop', async () => {
    const [base] = listBuiltinBases().map((b) => b.id);
    const first = await startServer({ host: '127.0.0.1', port: 0, models: [base] });
    const source = openaiSource('restarted', first.url, base, { concurrency: 2, maxRetries: 1 });
    const s = makeSession([source], dollyExamples(60));
    const run = runStep(generateStep, s, {});
    // Down for 1.5 s: longer than the two attempts maxRetries 1 allows take to fail.
    const again = await restartMidStep(s, 'restarted', first, base, 1500);
    try {
      await expectCompleted(run, s, 'restarted', 60);
    } finally {
      await again.close();
    }
  });
});

