import { readFileSync } from 'node:fs';
import { useMemo } from 'react';
import { sessionPaths } from '../pipeline/paths.js';
import { readResult, RESULT_NAMES, type ResultFiles } from '../pipeline/results.js';
import type { StepId } from '../domain/session.js';
import { staleness } from '../pipeline/staleness.js';
import { parseSession } from '../pipeline/store.js';

/**
 * The notebook cells whose outputs no longer match the session (a new seed, another data file,
 * a model's sampling), each with what changed. Read again whenever `key` changes: the screen
 * passes what the cells' states are, so a finished step is checked at once and progress events
 * (many a second) read nothing.
 */
export function useStaleness(dir: string, key: string): Partial<Record<StepId, string>> {
  return useMemo(() => {
    const paths = sessionPaths(dir);
    try {
      const session = parseSession(readFileSync(paths.sessionFile, 'utf8'), paths.sessionFile);
      const files: Partial<ResultFiles> = {};
      for (const name of RESULT_NAMES) {
        const file = readResult(paths, name);
        if (file) (files as Record<string, unknown>)[name] = file;
      }
      return staleness(session, paths, files).steps;
    } catch {
      return {}; // a broken session or result file is reported by the screens that read it
    }
  }, [dir, key]);
}
