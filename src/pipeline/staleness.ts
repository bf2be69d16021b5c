import { existsSync, readFileSync } from 'node:fs';
import type { SessionPaths } from './paths.js';
import { dataChanges, EVALUATION_USES, inputChanges, studyInputs, type StudyInputs } from './provenance.js';
import { RESULT_NAMES, RESULT_PRODUCER, staleNote, switchedOff, type ResultFiles, type ResultName } from './results.js';
import type { Session, StepId } from '../domain/session.js';

/**
 * Which of a session's outputs no longer match the session: a result made before the seed, the
 * data file, a model's settings or its evaluation's settings changed, or an evaluation switched
 * off since. Each says why, for the notebook, Results, Compare and the report alike.
 */
export interface Staleness {
  /** Per result, one line: what changed since it was made. */
  results: Partial<Record<ResultName, string>>;
  /** Per notebook cell, one line. */
  steps: Partial<Record<StepId, string>>;
}

/** The split's record of what it was made from; older files only have their seed and fractions. */
function splitInputs(paths: SessionPaths): Pick<StudyInputs, 'seed' | 'data'> | Pick<StudyInputs, 'seed'> | null {
  if (!existsSync(paths.split)) return null;
  try {
    const split = JSON.parse(readFileSync(paths.split, 'utf8')) as { seed?: unknown; inputs?: Pick<StudyInputs, 'seed' | 'data'> };
    if (split.inputs?.data) return split.inputs;
    return typeof split.seed === 'number' ? { seed: split.seed } : null;
  } catch {
    return null; // a broken split is reported by the steps that read it
  }
}

const seedChange = (then: number, now: number) => (then === now ? [] : [`the seed changed (${then} → ${now})`]);

/** What changed since each output was made; `files` are the results already read, `now` the session's inputs. */
export function staleness(session: Session, paths: SessionPaths, files: Partial<ResultFiles>, now: StudyInputs = studyInputs(session)): Staleness {
  const out: Staleness = { results: {}, steps: {} };
  const split = splitInputs(paths);
  if (split) {
    const changes = 'data' in split ? dataChanges(split, now) : seedChange(split.seed, now.seed);
    if (changes.length) {
      out.steps.data = `out of date: ${changes.join('; ')}`;
      out.steps.generate = out.steps.assemble = 'out of date: built on a split made before ' + changes.join('; ');
    }
  }
  const off = switchedOff(session);
  for (const name of RESULT_NAMES) {
    const file = files[name];
    if (!file) continue;
    // A result of an evaluation switched off since is old whatever else changed: that is its note.
    const changes = off[name] ? [] : file.inputs ? inputChanges(file.inputs, now, EVALUATION_USES[name]) : seedChange(file.seed, now.seed);
    const note = off[name] ? staleNote(name, off[name]) : changes.length ? `out of date: ${changes.join('; ')} since these results were made` : null;
    if (!note) continue;
    out.results[name] = note;
    out.steps[RESULT_PRODUCER[name]] ??= note;
  }
  return out;
}
