import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBuiltinBases } from '../../src/engines/builtin/index.js';
import { FAULT_KINDS } from '../../src/engines/serve/faults.js';
import { CLI, startCli } from '../cli/cli.js';
import { dollyExamples, makeSession, openaiSource, readRows } from './fixture.js';

/**
 * Issue 4's fault acceptance end to end: the real CLI runs the generate step of three openai
 * sources against a real `baskets serve` with the issue's exact fault mix, 20 s stalls included.
 * `--instant` answers at once, so the ~1000 requests take seconds while going through the same
 * client path (streamed chat, watchdog, retries, limiter); a stall must be cut by the entry's
 * timeoutS, never waited out.
 */
const FAULTS = '5xx=0.05,429=0.05,reset=0.03,malformed=0.02,stall=0.01,stall-ms=20000,retry-after=1,seed=11';
const STALL_MS = 20_000;
const bases = listBuiltinBases().slice(0, 3).map((b) => b.id);
const root = mkdtempSync(join(tmpdir(), 'baskets-cli-faults-'));
let serve: ReturnType<typeof startCli>;
let baseUrl: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first (`npm test` does)');
  serve = startCli(['serve', '--port', '0', '--instant', '--models', bases.join(','), '--faults', FAULTS, '--data-dir', join(root, 'serve')]);
  baseUrl = /OpenAI base URL: (\S+)/.exec(await serve.waitFor(/OpenAI base URL: /))![1];
});
afterAll(() => {
  serve?.child.kill('SIGTERM');
  rmSync(root, { recursive: true, force: true });
});

/** Run the CLI to its exit without blocking this worker, which must keep reading the server's log. */
function runCliAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('baskets run against baskets serve --faults (issue 4 fault mix)', () => {
  it('completes with every key once and ≥ 99.9% answered with maxRetries 5, stalls cut by timeoutS', { timeout: 90_000 }, async () => {
    const samples = 2;
    const examples = dollyExamples(167);
    const models = bases.map((b, i) => ({
      ...openaiSource(`src${i}`, baseUrl, b, { concurrency: 16, maxRetries: 5, timeoutS: 0.5 }),
      generation: { temperature: 0.8, topP: 0.95, maxTokens: 16, samples },
    }));
    const s = makeSession(models, examples, join(root, 'gen-test'));
    const keys = examples.length * samples;

    const run = await runCliAsync(['run', 'gen-test', '--headless', '--steps', 'generate', '--sessions', root]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/3 sources: \d+\/\d+ answered/);

    let answered = 0;
    for (const m of models) {
      const rows = readRows(s.paths.synthetic(m.id));
      expect(rows).toHaveLength(keys);
      expect(new Set(rows.map((r) => r.key)).size).toBe(keys);
      for (const r of rows.filter((r) => r.error !== undefined)) expect(r.error).toMatch(/failed after 6 attempts: /);
      answered += rows.filter((r) => r.error === undefined).length;
    }
    expect(answered / (keys * models.length)).toBeGreaterThanOrEqual(0.999);

    // Every kind of fault was met, and no stall was waited out: one alone would hold the step for 20 s.
    const seen = new Set(serve.lines.map((l) => /^fault: (\S+)/.exec(l)?.[1]).filter(Boolean));
    expect([...seen].sort()).toEqual([...FAULT_KINDS].sort());
    const { wallMs } = JSON.parse(readFileSync(s.paths.result('generation'), 'utf8')) as { wallMs: number };
    expect(wallMs).toBeLessThan(STALL_MS);
  });
});
