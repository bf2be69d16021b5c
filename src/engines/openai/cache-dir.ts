import { homedir } from 'node:os';
import { join } from 'node:path';

/** The user cache dir: $BASKETS_CACHE_DIR, else $XDG_CACHE_HOME/baskets, else ~/.cache/baskets. */
export function userCacheDir(): string {
  if (process.env.BASKETS_CACHE_DIR) return process.env.BASKETS_CACHE_DIR;
  if (process.env.XDG_CACHE_HOME) return join(process.env.XDG_CACHE_HOME, 'baskets');
  return join(homedir(), '.cache', 'baskets');
}
