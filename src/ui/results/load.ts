import { RESULT_NAMES, RESULT_PRODUCER, readResult, type ResultFiles, type ResultName } from '../../pipeline/results.js';
import type { SessionPaths } from '../../pipeline/paths.js';

/** A session's evaluation results as the screens see them: each file, or why it is not there. */
export interface LoadedResults {
  files: Partial<ResultFiles>;
  /** Files that exist but cannot be read (broken JSON, another version): the message names the fix. */
  errors: Partial<Record<ResultName, string>>;
}

export function loadResults(paths: SessionPaths): LoadedResults {
  const loaded: LoadedResults = { files: {}, errors: {} };
  for (const name of RESULT_NAMES) {
    try {
      const file = readResult(paths, name);
      if (file) (loaded.files as Record<ResultName, unknown>)[name] = file;
    } catch (err) {
      loaded.errors[name] = (err as Error).message;
    }
  }
  return loaded;
}

/** Why a result is not shown: its read error, or the step that produces it. */
export function missingReason(loaded: LoadedResults, name: ResultName): string {
  return loaded.errors[name] ?? `no ${name} results yet: run the ${RESULT_PRODUCER[name]} step`;
}
