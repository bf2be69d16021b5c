import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBuiltinBases } from '../../src/engines/builtin/index.js';
import { startServer } from '../../src/engines/serve/index.js';
import { generateStep } from '../../src/pipeline/steps/generate.js';
import { readSyntheticAnswers } from '../../src/pipeline/generation/answers.js';
import { dollyExamples, makeSession, openaiSource, readRows, runStep } from './fixture.js';

// The fault mix, with short stalls matched by a short client timeout so the test stays fast;
// cli-faults.test.ts runs the exact mix (20 s stalls) through the CLI on a fresh run.
const FAULTS = '5xx=0.05,429=0.05,reset=0.03,malformed=0.02,stall=0.01,stall-ms=3000,retry-after=1,seed=7';
const bases = listBuiltinBases().slice(0, 3).map((b) => b.id);
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, models: bases, faults: FAULTS });
});
afterAll(() => server.close());

describe('generate step under injected faults', () => {
  it('completes with every key once; with a retry budget of 5 at least 99.9% answered; error rows retried by --retry-errors', { timeout: 120_000 }, async () => {
    const examples = dollyExamples(80);
    const s = makeSession(
      bases.map((b, i) => ({ ...openaiSource(`src${i}`, server.url, b), generation: { temperature: 0.8, topP: 0.95, maxTokens: 16, samples: 2 } })),
      examples,
    );
    const keys = examples.length * 2;

    // A first pass with no retries leaves error rows for the failed requests (≈16% of them).
    const noRetry = await runStep(generateStep, s, { modelOpts: { retries: 0, timeoutMs: 800 } });
    expect(noRetry.error).toBeUndefined();
    let errorRows = 0;
    for (const m of s.session.models) {
      const rows = readRows(s.paths.synthetic(m.id));
      expect(new Set(rows.map((r) => r.key)).size).toBe(keys);
      expect(rows).toHaveLength(keys);
      errorRows += rows.filter((r) => r.error !== undefined).length;
      for (const r of rows.filter((r) => r.error !== undefined)) expect(r.error).toMatch(/failed: /);
    }
    expect(errorRows).toBeGreaterThan(0);

    // Without --retry-errors the error rows stay; with it, exactly those are asked again (budget 5).
    const skip = await runStep(generateStep, s, { modelOpts: { retries: 5, timeoutMs: 800 } });
    expect((skip.events.at(-1) as { text: string }).text).toContain(`${errorRows} errors`);
    const retried = await runStep(generateStep, s, { retryErrors: true, modelOpts: { retries: 5, timeoutMs: 800 } });
    expect(retried.error).toBeUndefined();
    let answered = 0;
    for (const m of s.session.models) {
      const rows = readRows(s.paths.synthetic(m.id));
      const answers = await readSyntheticAnswers(s.paths.synthetic(m.id));
      answered += [...answers.values()].reduce((n, list) => n + list.length, 0);
      expect(new Set(rows.map((r) => r.key)).size).toBe(keys); // later rows supersede, never add keys
    }
    expect(answered / (keys * 3)).toBeGreaterThanOrEqual(0.999);
  });
});
