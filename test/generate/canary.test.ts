import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBuiltinBases } from '../../src/engines/builtin/index.js';
import { probeCacheFile } from '../../src/engines/openai/index.js';
import { startServer } from '../../src/engines/serve/index.js';
import { dollyExamples, makeSession, openaiSource } from './fixture.js';

const CLI = resolve('dist/cli.js');
const CANARY = 'sk-canary-7f3e9a1c5b2d4e6f8a0b';
const WRONG = 'sk-canary-wrong-0d1e2f3a4b5c';
const bases = listBuiltinBases().slice(0, 2).map((b) => b.id);
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  // The key is the server's bearer token; faults make error rows and retries happen too.
  server = await startServer({ host: '127.0.0.1', port: 0, models: bases, token: CANARY, faults: '5xx=0.1,429=0.05,reset=0.05,malformed=0.05,retry-after=0,seed=3' });
});
afterAll(() => server.close());

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

describe('API keys never leak', () => {
  it('a canary key reaches no session file, event, log, result or error output', { timeout: 120_000 }, async () => {
    if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first (`npm test` does)');
    const root = mkdtempSync(join(tmpdir(), 'baskets-canary-'));
    makeSession(bases.map((b, i) => openaiSource(`src${i}`, server.url, b, { apiKeyEnv: 'BASKETS_CANARY_KEY' })), dollyExamples(20), join(root, 'gen-test'));
    // Asynchronous: the server runs in this process and must keep answering.
    const run = (key: string, extra: string[] = []) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
        const child = spawn(process.execPath, [CLI, 'run', 'gen-test', '--headless', '--steps', 'generate', '--sessions', root, ...extra], {
          env: { ...process.env, BASKETS_CANARY_KEY: key },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('exit', (status) => done({ status, stdout, stderr }));
      });

    const ok = await run(CANARY);
    expect(ok.status, ok.stdout.slice(-1500) + ok.stderr).toBe(0);
    const json = await run(CANARY, ['--json', '--retry-errors']);
    const rejected = await run(WRONG); // the server refuses this key: a one-line error, without the key
    expect(rejected.status).toBe(1);
    expect(rejected.stdout + rejected.stderr).toContain('rejected the API key in BASKETS_CANARY_KEY — check its value');

    const outputs = [ok.stdout, ok.stderr, json.stdout, json.stderr, rejected.stdout, rejected.stderr];
    const files = allFiles(root);
    expect(files.some((f) => f.endsWith('events.jsonl'))).toBe(true);
    expect(files.some((f) => f.endsWith('src0.jsonl'))).toBe(true);
    const probe = probeCacheFile(server.url);
    for (const text of [...outputs, ...files.map((f) => readFileSync(f, 'utf8')), readFileSync(probe, 'utf8')]) {
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain(WRONG);
      expect(text).not.toContain('canary-7f3e9a1c');
    }
  });
});
