export { ConfigError as UsageError } from '../pipeline/errors.js';

/** Exit codes (DESIGN.md §5). */
export const EXIT = { ok: 0, runFailed: 1, usage: 2 } as const;
