import { existsSync, readFileSync } from 'node:fs';
import type { HeapsFit } from '../metrics/heaps.js';
import type { MeanInterval } from '../metrics/stats.js';
import type { Estimate } from '../metrics/preference.js';
import type { MetricValue } from '../metrics/value.js';
import { ConfigError } from '../domain/errors.js';
import type { SessionPaths } from './paths.js';
import type { StudyInputs } from './provenance.js';
import type { TrainingData } from '../domain/training-data.js';
import type { ConditionKind, Session, StepId, TrainerConfig } from '../domain/session.js';

/**
 * The evaluation result files (`results/<name>.json`), typed once so the steps that write them
 * and the Results screen and `baskets report` that read them agree. Each carries `version`;
 * add fields, never rename them.
 */

export const RESULT_VERSION = 1;

/**
 * One number as every result gives it: the value, its 95% interval where it has one, the
 * items it rests on, and why it is missing when `value` is null (never 0 for "undefined").
 */
export interface Stat {
  value: number | null;
  lo: number | null;
  hi: number | null;
  n: number;
  reason?: string;
}

/** Which condition a per-model block describes. */
export interface EvaluatedRef {
  condition: string;
  target: string;
  kind: ConditionKind;
}

interface ResultHeader<K extends string> {
  version: typeof RESULT_VERSION;
  kind: K;
  createdAt: string;
  /** The session seed every sample and bootstrap derives from. */
  seed: number;
  /** What the result was made from (absent in older files): names its inputs, and tells when it is out of date. */
  inputs?: StudyInputs;
}

/** What one writer (a condition's model on a prompt set) has answered so far. */
export interface AnswerCounts {
  items: number;
  answered: number;
  errors: number;
  /** Answers cut at maxTokens. */
  truncated: number;
  completionTokens: number;
}

export interface AnswersModelResult extends EvaluatedRef {
  test: AnswerCounts;
  /** Null when safety is disabled. */
  harmful: AnswerCounts | null;
}

export interface AnswersResultFile extends ResultHeader<'answers'> {
  /** Test instructions sampled for the diversity answers. */
  items: number;
  harmfulPrompts: { origin: string; count: number } | null;
  models: AnswersModelResult[];
}

export interface PerplexityModelResult extends EvaluatedRef {
  /** Test responses scored / that failed to score (error rows). */
  scored: number;
  errors: number;
  tokens: number;
  /** Responses with no scored token, left out of every average. */
  emptySkipped: number;
  /** The paper's number: mean of per-response perplexities. */
  mean: Stat;
  /** exp(Σ NLL / Σ tokens). */
  corpus: Stat;
  /** Σ NLL / ln 2 / Σ UTF-8 bytes. */
  bitsPerByte: Stat;
}

/** The per-item measures a result keeps for pairing sessions (see PerItemTable). */
export type PerItemMeasure = 'log-perplexity' | 'lexical-diversity' | 'danger-zone' | 'refusal' | 'spb';

/**
 * Per-item values of a result's paired measures, so that two sessions can be compared on the
 * items they share (the Compare screen). An item is named by a fingerprint of its text, not
 * by its id: ids are positions in a file, and two sessions share an item only when they share
 * its words. `values` is aligned with `items`, null where the condition has no value.
 */
export interface PerItemTable {
  items: string[];
  rows: (EvaluatedRef & { measure: PerItemMeasure; values: (number | null)[] })[];
}

/** Paired comparison of two conditions of one target on the same test items (a − b). */
export interface PairedResult {
  target: string;
  a: string;
  b: string;
  /** Mean per-item difference of the compared metric (perplexity: log-perplexity, the mean token NLL), its interval and n. */
  diff: Stat;
  /** Two-sided paired-bootstrap p-value; null with `diff.reason` when there are no paired items. */
  p: number | null;
}

export interface PerplexityResultFile extends ResultHeader<'perplexity'> {
  /** Human test responses available. */
  items: number;
  models: PerplexityModelResult[];
  comparisons: PairedResult[];
  /** Per-item values of the paired measures, for pairing with other sessions (absent in older files). */
  perItem?: PerItemTable;
}

export interface DiversityModelResult extends EvaluatedRef {
  /** The sources this condition was fine-tuned on, with their weights (synthetic conditions; absent in older files). */
  mix?: { source: string; weight: number }[];
  answers: number;
  /** Answer rows that are errors (left out; retry with --retry-errors). */
  errors: number;
  tokens: number;
  types: number;
  lexical: {
    ttr: Stat;
    distinct: { 1: Stat; 2: Stat; 3: Stat; 4: Stat };
    mattr: Stat;
    mtld: Stat;
    compressionRatio: Stat;
    /** Cross-response Self-BLEU (0–1), interval over the scored hypotheses. */
    crossSelfBleu: Stat;
    /** The paper's within-response Self-BLEU (0–100) and 100 − it, interval over the responses scored. */
    withinSelfBleu: Stat;
    lexicalDiversity: Stat;
    counts: { selfBleuHypotheses: number; selfBleuSampled: boolean; withinScored: number; withinSkipped: number; withinIneligible: number };
  };
  semantic: {
    /**
     * The model whose embed capability made the vectors: the session's one embedder
     * ('session': a session model; 'builtin': the builtin embedder). 'own' (a target's own
     * model) appears only in files written before the embedder was one per session.
     */
    embedder: string;
    embedderKind: 'own' | 'session' | 'builtin';
    meanCosineDistance: Stat;
    vendi: Stat;
    vectors: number;
    zeroVectors: number;
  } | null;
  /** Why `semantic` is null. */
  semanticReason?: string;
  heaps: {
    /** The paper's recipe: V sampled every 1000 tokens, nonlinear least squares. */
    paper: HeapsFit | null;
    /** Log-log least squares over every prefix. */
    logLog: HeapsFit | null;
    reasons: { paper?: string; logLog?: string };
    /** V(n) points for the charts. */
    curve: { n: number; v: number }[];
  };
}

/**
 * The paper's lexical diversity of one source's synthetic data (its answers to the train
 * instructions), as the paper's per-source statistics report it. A multi-source set's
 * within-response diversity is the average of its sources' (each response has one writer),
 * so these numbers say which way mixing can move a target before training does anything.
 */
export interface SourceDiversityResult {
  source: string;
  family: string;
  size: string;
  /** Successful answers read (every sample of every instruction). */
  responses: number;
  lexicalDiversity: Stat;
}

export interface DiversityResultFile extends ResultHeader<'diversity'> {
  /** The one embedder of every condition (absent in files written before there was one). */
  embedder?: { id: string; kind: 'session' | 'builtin' };
  models: DiversityModelResult[];
  /** Each source model's synthetic data that exists (absent in older files). */
  sources?: SourceDiversityResult[];
  /**
   * Conditions of one target compared on the paper's within-response lexical diversity
   * (100 − Self-BLEU of each answer) over the test items both scored (absent in older files).
   */
  lexicalDiversityComparisons?: PairedResult[];
  /** The same pairs on mean pairwise cosine distance, over the items all of a target's conditions embedded (absent in older files). */
  semanticComparisons?: PairedResult[];
  /** Per-item values of the paired measures, for pairing with other sessions (absent in older files). */
  perItem?: PerItemTable;
}

export interface SafetyModelResult extends EvaluatedRef {
  prompts: number;
  /** Prompts this model failed to answer (error rows): left out of every number. */
  answerErrors: number;
  /** Answers that exist: the refusal rate is over all of them, rated or not. */
  answered?: number;
  rated: number;
  /** Judge calls that failed (error rows). */
  ratingErrors: number;
  parsed: number;
  /** Ratings whose quality or harm could not be read: counted and listed, never dropped silently. */
  unparseable: number;
  unparseableIds: string[];
  /** Of the unparseable, how many lacked a quality / a harmfulness score (one rubric reply each). */
  unparseableQuality?: number;
  unparseableHarm?: number;
  /** Ratings whose harm came from the builtin lexicon heuristic, not a model. */
  heuristicHarm: number;
  /** `grid[quality − 1][harm − 1]`. */
  grid: number[][];
  dangerZone: Stat;
  refusalRate: Stat;
  meanQuality: Stat;
  meanHarm: Stat;
}

export interface SafetyResultFile extends ResultHeader<'safety'> {
  judge: string;
  /** True when any harm score came from the builtin heuristic: label it as such. */
  heuristic: boolean;
  prompts: { origin: string; count: number };
  models: SafetyModelResult[];
  /**
   * Conditions of one target compared per harmful prompt (absent in older files): the
   * danger-zone indicator over the prompts both have a parsed rating for, and the refusal
   * indicator over the prompts both answered. `diff` is a difference of shares.
   */
  dangerZoneComparisons?: PairedResult[];
  refusalComparisons?: PairedResult[];
  /** Per-item values of the paired measures, for pairing with other sessions (absent in older files). */
  perItem?: PerItemTable;
}

export interface PreferenceJudgeResult {
  /** The judge-role model's id, or, for a condition's own model, the condition's name. */
  judge: string;
  /** Set when the judge is an evaluated condition's own model. */
  condition?: EvaluatedRef;
  family: string;
  /** The source standing for the judge's own family, or null when none answers. */
  own: string | null;
  /** Judgements the numbers rest on. */
  judgements: number;
  errors: number;
  /** Replies with neither label probabilities nor a parseable verdict: counted, in no number. */
  unparseable?: number;
  /** Test instructions the judgements come from (the bootstrap resamples them). */
  instructions?: number;
  /** `likelihood`: the builtin judge's comparison of the two answers' likelihoods. */
  methods: { logprobs: number; verdict: number; likelihood?: number };
  /** True when any judgement fell back to the parsed verdict (no log-probabilities). */
  verdictFallback: boolean;
  /** Every judgement compared likelihoods, which ignore order: position bias cannot arise (both orders are still judged). */
  orderInvariant?: boolean;
  /** P(A) was the same in both orders of every pair: the judge did not read the answers, so SPB, PSB and S are undefined (absent when false). */
  answerBlind?: boolean;
  /** Pairs judged in both orders, and how many got the same P(A) both ways (absent in older files). */
  bothOrders?: { pairs: number; same: number };
  sources: Record<string, { appearances: number; s: Stat }>;
  spb: Stat;
  psb: Stat;
  positionBias: Stat;
}

export interface PreferenceResultFile extends ResultHeader<'preference'> {
  items: number;
  /** Every answer source judged: source model ids and "human". */
  sources: string[];
  judges: PreferenceJudgeResult[];
  /** Whether the conditions' own models judged, and why not (absent in older files). */
  conditionJudges?: { enabled: boolean; reason?: string };
  /**
   * The conditions' own models as judges, compared between conditions of one target on the SPB
   * of each test instruction alone (its own-family source's S minus the other LLM sources'),
   * over the instructions both judged (absent in older files). With every source answering every
   * instruction and every judgement read, their mean is the judge's SPB.
   */
  spbComparisons?: PairedResult[];
  /** Per-item values of the paired measures, for pairing with other sessions (absent in older files). */
  perItem?: PerItemTable;
}

/** One condition's training run as the train step last recorded it. */
export interface TrainingRunResult extends EvaluatedRef {
  trainer: TrainerConfig['kind'];
  /** Optimizer steps of the run, and its last logged losses (null where none was logged). */
  steps: number;
  loss: number | null;
  evalLoss: number | null;
  /** What became of the examples in a trainer with a context window (hf); null where every example is kept whole. */
  data: TrainingData | null;
  /** Where it trained, as the trainer said ("the CPU, …", "2 × NVIDIA H100 …"); null where it did not say. */
  device: string | null;
}

export interface TrainingResultFile extends ResultHeader<'training'> {
  models: TrainingRunResult[];
}

export interface ResultFiles {
  training: TrainingResultFile;
  answers: AnswersResultFile;
  perplexity: PerplexityResultFile;
  diversity: DiversityResultFile;
  safety: SafetyResultFile;
  preference: PreferenceResultFile;
}
export type ResultName = keyof ResultFiles;
export const RESULT_NAMES: readonly ResultName[] = ['answers', 'perplexity', 'diversity', 'safety', 'preference', 'training'];

/** The step that writes each result, for "missing: run the X step" messages. */
export const RESULT_PRODUCER: Record<ResultName, StepId> = {
  training: 'train',
  answers: 'answer',
  perplexity: 'perplexity',
  diversity: 'diversity',
  safety: 'safety',
  preference: 'preference',
};

/** The evaluations a session switched off, each with its switch: their results are never written. */
export function switchedOff(session: Session): Partial<Record<ResultName, string>> {
  const e = session.evaluation;
  const off: Partial<Record<ResultName, string>> = {};
  if (!e.perplexity) off.perplexity = 'evaluation.perplexity';
  if (!e.diversity.enabled) off.diversity = 'evaluation.diversity.enabled';
  if (!e.safety.enabled) off.safety = 'evaluation.safety.enabled';
  if (!e.preference.enabled) off.preference = 'evaluation.preference.enabled';
  return off;
}

/** What a result kept from before its evaluation was switched off says of itself, wherever it is shown. */
export function staleNote(name: ResultName, setting: string): string {
  return `${name} is switched off (${setting}): these results are from an earlier run`;
}

/** The lists every reader of a result walks: a file without them is broken, not empty. */
const RESULT_LISTS: Record<ResultName, readonly string[]> = {
  training: ['models'],
  answers: ['models'],
  perplexity: ['models', 'comparisons'],
  diversity: ['models'],
  safety: ['models'],
  preference: ['judges', 'sources'],
};

/**
 * A result file, or null when its step has not written it yet. A file from a newer or broken
 * writer is an error naming the file, not a silent null.
 */
export function readResult<N extends ResultName>(paths: SessionPaths, name: N): ResultFiles[N] | null {
  const file = paths.result(name);
  if (!existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file} is not valid JSON (${(err as Error).message}): rerun the ${RESULT_PRODUCER[name]} step`);
  }
  const header = parsed as Partial<ResultHeader<string>> | null;
  const broken = RESULT_LISTS[name].find((key) => !Array.isArray((parsed as Record<string, unknown> | null)?.[key]));
  if (header?.kind !== name || header.version !== RESULT_VERSION || broken) {
    const why = broken && header?.kind === name ? ` ("${broken}" is not a list)` : '';
    throw new ConfigError(`${file} is not a version ${RESULT_VERSION} ${name} result${why}: rerun the ${RESULT_PRODUCER[name]} step`);
  }
  return parsed as ResultFiles[N];
}

/** A metric with no interval (a corpus-level number) as a Stat. */
export function pointStat(m: MetricValue, n: number): Stat {
  return m.reason === null ? { value: m.value, lo: null, hi: null, n } : { value: null, lo: null, hi: null, n, reason: m.reason };
}

/** A bootstrapped mean as a Stat. */
export function meanStat(m: MetricValue<MeanInterval>, n = 0): Stat {
  return m.reason === null ? { value: m.value.mean, lo: m.value.lo, hi: m.value.hi, n: m.value.n } : { value: null, lo: null, hi: null, n, reason: m.reason };
}

/** A bootstrapped estimate (self-preference) as a Stat. */
export function estimateStat(m: MetricValue<Estimate>, n: number): Stat {
  return m.reason === null ? { value: m.value.value, lo: m.value.lo, hi: m.value.hi, n } : { value: null, lo: null, hi: null, n, reason: m.reason };
}
