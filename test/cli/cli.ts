import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI (`npm test` builds first). */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI to completion without a terminal. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Run the CLI to completion without blocking this process (a server in the test answers it meanwhile). */
export function runCliAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** Start the CLI and collect its stdout lines as they come. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; lines: string[]; waitFor: (re: RegExp, ms?: number) => Promise<string> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
  });
  const waitFor = (re: RegExp, ms = 30_000) =>
    new Promise<string>((resolve, reject) => {
      const started = Date.now();
      const tick = setInterval(() => {
        const hit = lines.find((l) => re.test(l));
        if (hit) {
          clearInterval(tick);
          resolve(hit);
        } else if (Date.now() - started > ms) {
          clearInterval(tick);
          reject(new Error(`no line matching ${re} within ${ms} ms; got:\n${lines.slice(-20).join('\n')}`));
        }
      }, 50);
    });
  return { child, lines, waitFor };
}
