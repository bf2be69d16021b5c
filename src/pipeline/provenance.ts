import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { projectFile } from '../util/project-file.js';
import type { ModelEntry, Session } from '../domain/session.js';

/**
 * What a result was made from, recorded with it so that a later change (a new seed, another data
 * file, a model's sampling) marks it out of date, saying what changed, and so that every report
 * names its inputs. Files are named with their sha256; settings that only decide how work is
 * done (concurrency, timeouts, devices, logging) are left out, so changing them marks nothing.
 */
export interface FileInput {
  path: string;
  sha256: string;
  bytes: number;
}

export interface StudyInputs {
  /** The baskets version that made the result. */
  baskets: string;
  seed: number;
  data: {
    /** The data file's absolute path, or "builtin:<name>". */
    source: string;
    file: FileInput | null;
    fields: Record<string, string | undefined>;
    multiTurn: string;
    testFraction: number;
    subsample: number | null;
  };
  /** Each model's settings that shape its outputs, as a short hash. */
  models: Record<string, string>;
  conditions: string;
  /** Each evaluation's settings, as a short hash. */
  evaluation: Record<EvaluationPart, string>;
  /** The harmful-prompt file, where the session names one. */
  prompts: FileInput | null;
}

type EvaluationPart = 'answers' | 'perplexity' | 'diversity' | 'safety' | 'preference';

/** Settings that decide how the work is done, not what it gives (training processes change the batch, so they count). */
const OPERATIONAL = {
  engine: new Set(['baseUrls', 'apiKeyEnv', 'concurrency', 'maxRetries', 'timeoutS', 'firstTokenTimeoutS', 'idleTimeoutS', 'pricing', 'device', 'batchSize', 'python']),
  trainer: new Set(['loggingSteps', 'evalSteps', 'evalPoints', 'saveSteps', 'accelerateConfig', 'serveBaseUrl']),
};

const shortHash = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
const omit = (settings: object, keys: Set<string>) => Object.fromEntries(Object.entries(settings).filter(([k]) => !keys.has(k)));

/** A model's settings that shape what it writes, learns and judges (its family decides self-preference). */
function modelDigest(m: ModelEntry): string {
  return shortHash({ family: m.family, engine: omit(m.engine, OPERATIONAL.engine), generation: m.generation, trainer: m.trainer ? omit(m.trainer, OPERATIONAL.trainer) : null });
}

const fileHashes = new Map<string, string>();
const CHUNK = 1 << 20;

/**
 * A file's sha256, read in chunks and cached by path, size and modification time: reports and
 * screens check a study's inputs often, and a large data file is read once.
 */
export function fingerprintFile(path: string): FileInput | null {
  if (!existsSync(path)) return null;
  const st = statSync(path);
  if (!st.isFile()) return null;
  const key = `${path}\0${st.size}\0${st.mtimeMs}`;
  let sha256 = fileHashes.get(key);
  if (sha256 === undefined) {
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    const fd = openSync(path, 'r');
    try {
      for (let n; (n = readSync(fd, buf, 0, CHUNK, null)) > 0; ) hash.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    sha256 = hash.digest('hex');
    fileHashes.set(key, sha256);
  }
  return { path, sha256, bytes: st.size };
}

let version: string | undefined;
export function basketsVersion(): string {
  version ??= (JSON.parse(readFileSync(projectFile('package.json'), 'utf8')) as { version: string }).version;
  return version;
}

/** The inputs of a session as it stands now; relative paths are resolved from `baseDir`. */
export function studyInputs(session: Session, baseDir = process.cwd()): StudyInputs {
  const { data, evaluation } = session;
  const dataPath = data.source.kind === 'file' ? resolve(baseDir, data.source.path) : null;
  const promptsPath = evaluation.safety.enabled && evaluation.safety.promptsPath ? resolve(baseDir, evaluation.safety.promptsPath) : null;
  const { promptsPath: _path, ...safety } = evaluation.safety;
  return {
    baskets: basketsVersion(),
    seed: session.seed,
    data: {
      source: dataPath ?? `builtin:${data.source.kind === 'builtin' ? data.source.name : ''}`,
      file: dataPath ? fingerprintFile(dataPath) : null,
      fields: data.source.kind === 'file' ? data.fields : {},
      multiTurn: data.multiTurn,
      testFraction: data.testFraction,
      subsample: data.subsample ?? null,
    },
    models: Object.fromEntries(session.models.map((m) => [m.id, modelDigest(m)])),
    conditions: shortHash(session.conditions),
    evaluation: {
      answers: shortHash(evaluation.answers),
      perplexity: shortHash(evaluation.perplexity),
      diversity: shortHash(evaluation.diversity),
      safety: shortHash({ ...safety, prompts: promptsPath }),
      preference: shortHash(evaluation.preference),
    },
    prompts: promptsPath ? fingerprintFile(promptsPath) : null,
  };
}

const short = (sha: string) => sha.slice(0, 12);
const show = (v: unknown) => (v === null || v === undefined ? 'none' : typeof v === 'string' ? v : JSON.stringify(v));

function fileChange(what: string, then: FileInput | null, now: FileInput | null): string | null {
  if (!then || !now || then.path !== now.path) return null; // a change of path is reported as a change of source
  return then.sha256 === now.sha256 ? null : `${what} ${now.path} changed (sha256 ${short(then.sha256)} → ${short(now.sha256)})`;
}

/** What changed in the seed and the data since `then`: what the split depends on. */
export function dataChanges(then: Pick<StudyInputs, 'seed' | 'data'>, now: Pick<StudyInputs, 'seed' | 'data'>): string[] {
  const out: string[] = [];
  if (then.seed !== now.seed) out.push(`the seed changed (${then.seed} → ${now.seed})`);
  const d0 = then.data;
  const d1 = now.data;
  if (d0.source !== d1.source) out.push(`the data changed (${d0.source} → ${d1.source})`);
  else {
    const file = fileChange('the data file', d0.file, d1.file);
    if (file) out.push(file);
  }
  for (const key of ['testFraction', 'subsample', 'multiTurn'] as const) {
    if (d0[key] !== d1[key]) out.push(`data.${key} changed (${show(d0[key])} → ${show(d1[key])})`);
  }
  if (d0.source === d1.source && JSON.stringify(d0.fields) !== JSON.stringify(d1.fields)) out.push('the data fields changed');
  return out;
}

/**
 * What changed between the inputs a result was made from and the session now, one phrase each;
 * empty when nothing that shapes it changed. `uses` names the evaluation settings the result
 * depends on (a perplexity result does not go out of date when the safety judge changes).
 */
export function inputChanges(then: StudyInputs, now: StudyInputs, uses: readonly EvaluationPart[]): string[] {
  const out = dataChanges(then, now);
  const changedModels = Object.keys(then.models).filter((id) => id in now.models && now.models[id] !== then.models[id]);
  if (changedModels.length) out.push(`the settings of ${changedModels.join(', ')} changed`);
  if (then.conditions !== now.conditions) out.push('the conditions changed');
  for (const part of uses) {
    if (then.evaluation[part] !== now.evaluation[part]) out.push(`evaluation.${part} changed`);
  }
  if (uses.includes('safety')) {
    const prompts = fileChange('the harmful-prompt file', then.prompts, now.prompts);
    if (prompts) out.push(prompts);
  }
  return out;
}

/** The evaluation settings each result depends on. */
export const EVALUATION_USES: Record<'training' | 'answers' | 'perplexity' | 'diversity' | 'safety' | 'preference', readonly EvaluationPart[]> = {
  training: [],
  answers: ['answers', 'safety'],
  perplexity: ['perplexity'],
  diversity: ['answers', 'diversity'],
  safety: ['safety'],
  preference: ['preference'],
};
