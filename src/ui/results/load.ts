import { existsSync, readFileSync } from 'node:fs';
import type { SessionPaths } from '../../pipeline/paths.js';
import { RESULT_NAMES, RESULT_PRODUCER, readResult, switchedOff, type ResultFiles, type ResultName } from '../../pipeline/results.js';
import { describeInputs, type InputLine } from '../../pipeline/inputs-description.js';
import type { Session, StepId } from '../../domain/session.js';
import { studyInputs } from '../../pipeline/provenance.js';
import { staleness } from '../../pipeline/staleness.js';
import { parseSession } from '../../pipeline/store.js';

/** A session's evaluation results as the screens see them: each file, or why it is not there. */
export interface LoadedResults {
  files: Partial<ResultFiles>;
  /** Files that exist but cannot be read (broken JSON, another version): the message names the fix. */
  errors: Partial<Record<ResultName, string>>;
  /** Evaluations the session switched off, with the switch (absent: none, or the session file cannot be read). */
  off?: Partial<Record<ResultName, string>>;
  /** Results that no longer match the session (switched off, or made before a change), each saying why. */
  stale?: Partial<Record<ResultName, string>>;
  /** The notebook cells whose outputs no longer match the session, each saying why. */
  staleSteps?: Partial<Record<StepId, string>>;
  /** The session's inputs, which exports name (absent: the session file cannot be read). */
  inputs?: InputLine[];
}

function sessionIn(paths: SessionPaths): Session | null {
  try {
    return existsSync(paths.sessionFile) ? parseSession(readFileSync(paths.sessionFile, 'utf8'), paths.sessionFile) : null;
  } catch {
    return null; // a broken session file is reported where sessions are listed
  }
}

export function loadResults(paths: SessionPaths): LoadedResults {
  const session = sessionIn(paths);
  const loaded: LoadedResults = { files: {}, errors: {}, off: session ? switchedOff(session) : {} };
  for (const name of RESULT_NAMES) {
    try {
      const file = readResult(paths, name);
      if (file) (loaded.files as Record<ResultName, unknown>)[name] = file;
    } catch (err) {
      loaded.errors[name] = (err as Error).message;
    }
  }
  if (session) {
    const inputs = studyInputs(session);
    const stale = staleness(session, paths, loaded.files, inputs);
    loaded.stale = stale.results;
    loaded.staleSteps = stale.steps;
    loaded.inputs = describeInputs(session, paths, loaded.files.answers ?? null, inputs);
  }
  return loaded;
}

/** Why a result is not shown: its read error, or the step that produces it. */
export function missingReason(loaded: LoadedResults, name: ResultName): string {
  const off = loaded.off?.[name];
  if (off && !loaded.errors[name]) return `${name} evaluation is off in this session (${off}): turn it on, then run the ${RESULT_PRODUCER[name]} step`;
  return loaded.errors[name] ?? `no ${name} results yet: run the ${RESULT_PRODUCER[name]} step`;
}
