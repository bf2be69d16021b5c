import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBuiltinBases } from '../../src/engines/builtin/index.js';
import { startServer } from '../../src/engines/serve/index.js';
import type { SyntheticRecord } from '../../src/pipeline/example.js';
import { generateStep } from '../../src/pipeline/steps/generate.js';
import { mulberry32 } from '../../src/util/rng.js';
import { dollyExamples, makeSession, openaiSource, readRows, runStep } from './fixture.js';

const CLI = resolve('dist/cli.js');
const bases = listBuiltinBases().slice(0, 3).map((b) => b.id);
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, models: bases });
});
afterAll(() => server.close());

const withoutTime = (rows: SyntheticRecord[]) =>
  rows.map(({ t: _t, ...rest }) => rest).sort((a, b) => a.key.localeCompare(b.key));

function countLines(files: string[]): number {
  return files.reduce((n, f) => n + (existsSync(f) ? readFileSync(f, 'utf8').split('\n').length - 1 : 0), 0);
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((res) => (child.exitCode !== null || child.signalCode !== null ? res(child.exitCode) : child.once('exit', (code) => res(code))));

describe('generate step survives kill -9', () => {
  it('killed at random points (≥ 5 times) and restarted, it writes each key once, identical to an uninterrupted run', { timeout: 180_000 }, async () => {
    if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first (`npm test` does)');
    const models = bases.map((b, i) => openaiSource(`src${i}`, server.url, b, { concurrency: 4 }));
    const examples = dollyExamples(60);

    const reference = makeSession(models, examples);
    expect((await runStep(generateStep, reference)).error).toBeUndefined();

    const root = mkdtempSync(join(tmpdir(), 'baskets-kill-'));
    const killed = makeSession(models, examples, join(root, 'gen-test'));
    const files = models.map((m) => killed.paths.synthetic(m.id));
    const rand = mulberry32(2026);
    const run = () => spawn(process.execPath, [CLI, 'run', 'gen-test', '--headless', '--steps', 'generate', '--sessions', root], { stdio: 'ignore' });

    let kills = 0;
    for (;;) {
      const child = run();
      const target = countLines(files) + 4 + Math.floor(rand() * 16);
      while (countLines(files) < target && child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
      if (child.exitCode !== null || kills >= 6) {
        expect(await exited(child)).toBe(0);
        break;
      }
      child.kill('SIGKILL');
      await exited(child);
      kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(5);

    for (const [i, m] of models.entries()) {
      const rows = readRows(files[i]);
      expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
      expect(rows).toHaveLength(examples.length);
      expect(withoutTime(rows)).toEqual(withoutTime(readRows(reference.paths.synthetic(m.id))));
    }
  });
});
