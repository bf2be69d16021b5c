import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
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

/**
 * Start the CLI and collect its stdout lines as they come. `waitFor` resolves with the first line
 * that matches, as soon as it is printed, and fails at once if the CLI exits without printing one;
 * `ms` only bounds a CLI that hangs without a word (kept under the 120 s test and hook limits,
 * so that failure shows the output).
 */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; lines: string[]; waitFor: (re: RegExp, ms?: number) => Promise<string> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const printed = new EventEmitter();
  let stderr = '';
  let buf = '';
  let closed: number | null | undefined;
  child.stdout!.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
    printed.emit('lines');
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.once('close', (code) => (closed = code));
  const waitFor = (re: RegExp, ms = 90_000) =>
    new Promise<string>((resolve, reject) => {
      const done = () => {
        printed.off('lines', check);
        child.off('close', exited);
        clearTimeout(timer);
      };
      const check = () => {
        const hit = lines.find((l) => re.test(l));
        if (hit === undefined) return false;
        done();
        resolve(hit);
        return true;
      };
      const fail = (why: string) => {
        done();
        reject(new Error(`${why} a line matching ${re}; stdout:\n${lines.slice(-20).join('\n')}\nstderr:\n${stderr.slice(-2000)}`));
      };
      const exited = (code: number | null) => fail(`the CLI exited (${code}) without printing`);
      const timer = setTimeout(() => fail(`no sign of life in ${ms / 1000} s: the CLI has not printed`), ms);
      printed.on('lines', check);
      child.once('close', exited);
      if (!check() && closed !== undefined) exited(closed);
    });
  return { child, lines, waitFor };
}
