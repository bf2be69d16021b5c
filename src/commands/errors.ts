import { ConfigError } from '../domain/errors.js';
import { LockHeldError } from '../pipeline/lock.js';


/**
 * Exit codes (README "Exit codes", DESIGN.md §5). A held lock has its own code, not "bad usage":
 * nothing is wrong with the command, and it will work once the other runner is done (75 is
 * sysexits' EX_TEMPFAIL, "try again later"). A cancelled run exits as a shell reports SIGINT.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, locked: 75, cancelled: 130 } as const;

/** The exit code of a command that threw. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof LockHeldError) return EXIT.locked;
  if (err instanceof ConfigError) return EXIT.usage;
  return EXIT.failed;
}
