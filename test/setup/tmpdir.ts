import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: every temp folder a test or the processes it spawns makes goes under
 * one folder per run (TMPDIR is inherited by workers and children), removed at the end, so
 * repeated `npm test` runs do not fill /tmp even where a test forgets to clean up.
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'baskets-test-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
