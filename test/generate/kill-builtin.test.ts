import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listBuiltinBases } from '../../src/engines/builtin/index.js';
import { runCli } from '../cli/cli.js';
import { builtinSource, dollyExamples, killAndRestart, makeSession, readRows, withoutTime } from './fixture.js';

// Issue 4: "with the builtin engine and a fixed seed [the final files] are identical to an uninterrupted run".
const bases = listBuiltinBases().slice(0, 3).map((b) => b.id);
const root = mkdtempSync(join(tmpdir(), 'baskets-kill-builtin-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('builtin generate step survives kill -9', () => {
  it('killed by SIGKILL at random points (≥ 5 times) and restarted, its files equal an uninterrupted run key for key', { timeout: 120_000 }, async () => {
    const models = bases.map((b, i) => ({ ...builtinSource(`b${i}`, b), generation: { temperature: 0.9, topP: 0.95, maxTokens: 24, samples: 2 } }));
    const examples = dollyExamples(40);
    const keys = examples.length * 2;

    const reference = makeSession(models, examples, join(root, 'reference'));
    const whole = runCli(['run', 'reference', '--headless', '--steps', 'generate', '--sessions', root]);
    expect(whole.stderr).toBe('');
    expect(whole.code).toBe(0);

    const killed = makeSession(models, examples, join(root, 'killed'));
    const files = models.map((m) => killed.paths.synthetic(m.id));
    const { kills, code } = await killAndRestart(root, 'killed', files);
    expect(code).toBe(0);
    expect(kills).toBeGreaterThanOrEqual(5);

    for (const [i, m] of models.entries()) {
      const rows = readRows(files[i]);
      expect(rows).toHaveLength(keys);
      expect(new Set(rows.map((r) => r.key)).size).toBe(keys);
      expect(rows.every((r) => r.error === undefined && typeof r.response === 'string')).toBe(true);
      expect(withoutTime(rows)).toEqual(withoutTime(readRows(reference.paths.synthetic(m.id))));
    }
  });
});
