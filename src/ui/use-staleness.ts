import { useMemo } from 'react';
import { sessionPaths } from '../pipeline/paths.js';
import type { StepId } from '../domain/session.js';
import { loadResults } from './results/load.js';

/**
 * The notebook cells whose outputs no longer match the session (a new seed, another data file,
 * a model's sampling), each with what changed. Read again whenever `key` changes: the screen
 * passes what the cells' states are, so a finished step is checked at once and progress events
 * (many a second) read nothing.
 */
export function useStaleness(dir: string, key: string): Partial<Record<StepId, string>> {
  return useMemo(() => loadResults(sessionPaths(dir)).staleSteps ?? {}, [dir, key]);
}
