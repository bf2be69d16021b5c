import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { SessionStore } from '../pipeline/store.js';

export const DEMO_NAME = 'demo';

/** The demo study shipped with baskets (sessions/demo/session.json in the package). */
export function demoTemplate(): string {
  return fileURLToPath(new URL('../../sessions/demo/session.json', import.meta.url));
}

/**
 * Make sure the sessions folder holds the demo session. `fresh` deletes its outputs (keeping
 * its session.json); otherwise an existing demo resumes where it stopped.
 */
export function ensureDemoSession(store: SessionStore, opts: { fresh?: boolean } = {}): string {
  const dir = join(store.root, DEMO_NAME);
  mkdirSync(dir, { recursive: true });
  if (opts.fresh) {
    for (const entry of readdirSync(dir)) {
      if (entry !== 'session.json') rmSync(join(dir, entry), { recursive: true, force: true });
    }
  }
  const target = join(dir, 'session.json');
  if (!existsSync(target)) cpSync(demoTemplate(), target);
  store.load(DEMO_NAME); // validate
  return DEMO_NAME;
}
