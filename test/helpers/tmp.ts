import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** A fresh temp folder per test, removed afterwards. */
export function useTempDir(prefix = 'baskets-'): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}

/**
 * One builtin pretraining cache for a whole test file (the bases are built once), set as
 * BASKETS_CACHE_DIR and restored afterwards, and a folder for the file's sessions.
 */
export function useBuiltinCache(prefix: string): { cacheDir: () => string; root: () => string } {
  const previous = process.env.BASKETS_CACHE_DIR;
  let cacheDir = '';
  let root = '';
  beforeAll(() => {
    cacheDir = mkdtempSync(join(tmpdir(), `${prefix}-cache-`));
    root = mkdtempSync(join(tmpdir(), `${prefix}-`));
    process.env.BASKETS_CACHE_DIR = cacheDir;
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.BASKETS_CACHE_DIR;
    else process.env.BASKETS_CACHE_DIR = previous;
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });
  return { cacheDir: () => cacheDir, root: () => root };
}

const SHARED_DATA = new URL('../../../shared/data', import.meta.url).pathname;

/**
 * The path of a file in ../shared/data (the project's shared test data, beside the repo), or
 * undefined where that folder is absent, after saying so and what the tests do instead.
 */
export function sharedData(file: string, instead = 'the tests that read it skip'): string | undefined {
  const path = join(SHARED_DATA, file);
  if (existsSync(path)) return path;
  if (!warned.has(file)) console.warn(`${path} is absent (../shared/data is not checked out beside the repo): ${instead}`);
  warned.add(file);
  return undefined;
}
const warned = new Set<string>();

export const SHARED_DOLLY_FILE = 'dolly/databricks-dolly-15k-safety-only.jsonl';
