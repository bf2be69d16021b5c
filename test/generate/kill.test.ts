import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBuiltinBases } from '../../src/engines/builtin/index.js';
import { startServer } from '../../src/engines/serve/index.js';
import { generateStep } from '../../src/pipeline/steps/generate.js';
import { dollyExamples, killAndRestart, makeSession, openaiSource, readRows, runStep, withoutTime } from './fixture.js';

const bases = listBuiltinBases().slice(0, 3).map((b) => b.id);
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, models: bases });
});
afterAll(() => server.close());

describe('generate step survives kill -9', () => {
  it('killed at random points (≥ 5 times) and restarted, it writes each key once, identical to an uninterrupted run', { timeout: 180_000 }, async () => {
    const models = bases.map((b, i) => openaiSource(`src${i}`, server.url, b, { concurrency: 4 }));
    const examples = dollyExamples(60);

    const reference = makeSession(models, examples);
    expect((await runStep(generateStep, reference)).error).toBeUndefined();

    const root = mkdtempSync(join(tmpdir(), 'baskets-kill-'));
    const killed = makeSession(models, examples, join(root, 'gen-test'));
    const files = models.map((m) => killed.paths.synthetic(m.id));
    const { kills, code } = await killAndRestart(root, 'gen-test', files);
    expect(code).toBe(0);
    expect(kills).toBeGreaterThanOrEqual(5);

    for (const [i, m] of models.entries()) {
      const rows = readRows(files[i]);
      expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
      expect(rows).toHaveLength(examples.length);
      expect(withoutTime(rows)).toEqual(withoutTime(readRows(reference.paths.synthetic(m.id))));
    }
  });
});
