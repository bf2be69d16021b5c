import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file shipped with baskets (trainers/…), found from this module whether run from src or dist. */
export function projectFile(rel: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'baskets') return join(dir, rel);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the baskets package root to locate ${rel}`);
    dir = parent;
  }
}
