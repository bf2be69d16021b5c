import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The Python environment of the real-stack tests: its interpreter, and an env with its bin dir first on PATH. */
export interface RealPython {
  python: string;
  env: NodeJS.ProcessEnv;
}

const found = new Map<string, RealPython | string>();

/**
 * The Python that scripts/python-env.sh made (linked at .cache/python; BASKETS_TEST_PYTHON names
 * another), checked to import `modules`; or, where there is none, one line saying why, which
 * the caller shows as the reason its tests skip.
 */
export function realPython(modules: string[]): RealPython | string {
  const key = modules.join(',');
  let result = found.get(key);
  if (result === undefined) {
    result = findPython(modules);
    found.set(key, result);
    if (typeof result === 'string') console.warn(`skipping the real-stack tests: ${result}`);
  }
  return result;
}

function findPython(modules: string[]): RealPython | string {
  const python = process.env.BASKETS_TEST_PYTHON ?? join(ROOT, '.cache', 'python', 'bin', 'python');
  const make = 'run `npm run python-env` (it installs them from the package index pip is configured with)';
  if (!existsSync(python)) return `no Python environment with ${modules.join(', ')} at ${python}: ${make}`;
  const probe = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (probe.status !== 0) {
    const why = probe.stderr.trim().split('\n').at(-1) ?? `exit code ${probe.status}`;
    return `${python} cannot import ${modules.join(', ')} (${why}): ${make}`;
  }
  const bin = dirname(python);
  return { python, env: { PATH: `${bin}:${process.env.PATH ?? ''}`, PYTHONUNBUFFERED: '1' } };
}

/** Run a Python snippet in the real environment; its stdout, or a thrown error with its stderr. */
export function runPython(py: RealPython, code: string, args: string[] = []): string {
  const r = spawnSync(py.python, ['-c', code, ...args], { encoding: 'utf8', env: { ...process.env, ...py.env } });
  if (r.status !== 0) throw new Error(`python failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

/**
 * A tiny random Llama with a byte-level tokenizer and a chat template (trainers/make_tiny_llama.py),
 * made small enough that a test trains it for dozens of steps in seconds on a CPU.
 */
export function makeTinyLlama(py: RealPython, dir = mkdtempSync(join(tmpdir(), 'tiny-llama-'))): string {
  const r = spawnSync(py.python, [join(ROOT, 'trainers', 'make_tiny_llama.py'), '--out', dir, '--hidden', '32', '--layers', '2', '--heads', '2', '--context', '512'], {
    encoding: 'utf8',
    env: { ...process.env, ...py.env },
  });
  if (r.status !== 0) throw new Error(`make_tiny_llama.py failed:\n${r.stderr}`);
  return dir;
}
