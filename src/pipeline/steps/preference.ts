import type { JudgeMethod, LanguageModel, PairwiseJudgement } from '../../domain/models.js';
import { selfPreference, spbByItem, type PairJudgement } from '../../metrics/preference.js';
import { writeJsonAtomic } from '../../util/atomic.js';
import { deriveSeed } from '../../util/rng.js';
import { conditionSources } from '../conditions.js';
import { readHumanSplit } from '../data/read.js';
import { prepareAnswers, readWrittenAnswers } from '../evaluation/answering.js';
import { requireCapability, revisionOf, targetEntry } from '../evaluation/evaluated.js';
import { evaluationFiles } from '../evaluation/files.js';
import { itemKey, prepareKeyed, RAW_KEPT, type KeyedRow } from '../evaluation/keyed.js';
import { pairedByItem, type PerItemValues } from '../evaluation/paired.js';
import { perItemTable } from '../evaluation/per-item.js';
import { sampleTestExamples } from '../evaluation/prompts.js';
import { runPrepared, streamWork } from '../evaluation/stream.js';
import { conversationText, type Example } from '../../domain/example.js';
import { parallelismOf } from '../generation/source-run.js';
import { estimateStat, RESULT_VERSION, type EvaluatedRef, type PreferenceJudgeResult, type PreferenceResultFile } from '../results.js';
import { studyInputs } from '../provenance.js';
import type { ModelEntry, Session } from '../../domain/session.js';
import type { Step, StepContext } from '../step.js';

export const HUMAN = 'human';

export interface JudgementRow extends KeyedRow {
  exampleId?: string;
  sourceA?: string;
  sourceB?: string;
  /** Absent when the reply could not be read (method 'unparseable'). */
  pA?: number;
  method?: JudgeMethod | 'unparseable';
  /** The judge's reply, kept (cut short) when it could not be read. */
  raw?: string;
}

/** A judge's reply as a row: pA normalised over A and B; no readable mass is unparseable, never a tie. */
export function judgementFields(v: PairwiseJudgement): Pick<JudgementRow, 'pA' | 'method' | 'raw'> {
  const total = v.pA === null ? 0 : v.pA + v.pB!;
  if (v.pA === null || !(total > 0)) return { method: 'unparseable', raw: (v.raw ?? '').slice(0, RAW_KEPT) };
  return { pA: v.pA / total, method: v.method };
}

/**
 * A stored row as a judgement, reading rows written before unreadable replies were counted
 * apart: those carry pA 0.5 with method 'verdict' (a parsed verdict is 0 or 1), and a builtin
 * judge's rows carry 'logprobs' for what is a likelihood comparison.
 */
function judgementOf(judgeId: string, judge: ModelEntry, r: JudgementRow & { sourceA: string; sourceB: string; exampleId?: string }): PairJudgement {
  const base = { judge: judgeId, item: r.exampleId, sourceA: r.sourceA, sourceB: r.sourceB };
  if (r.method === 'unparseable' || typeof r.pA !== 'number' || (r.method === 'verdict' && r.pA === 0.5)) return { ...base, pA: null, method: 'unparseable' };
  const method = judge.engine.engine === 'builtin' ? 'likelihood' : (r.method ?? 'logprobs');
  return { ...base, pA: r.pA, method };
}

/**
 * The judges: evaluation.preference.judges, else the models with the judge role, else the
 * targets as released (unless `releasedTargets` is false: the conditions' own models judge).
 */
export function preferenceJudges(session: Session, { releasedTargets = true } = {}): ModelEntry[] {
  const byId = (id: string) => {
    const m = session.models.find((x) => x.id === id);
    if (!m) throw new Error(`preference judge "${id}" is not a model of this session: fix evaluation.preference.judges`);
    return m;
  };
  const { judges } = session.evaluation.preference;
  if (judges.length) return judges.map(byId);
  const withRole = session.models.filter((m) => m.roles.includes('judge'));
  if (withRole.length || !releasedTargets) return withRole;
  return [...new Set(session.conditions.map((c) => c.target))].map(byId);
}

/** The source that stands for a judge's own family (at its size tier when there is one). */
export function ownSource(session: Session, judge: ModelEntry): string | null {
  return conditionSources(session, { name: `${judge.id}/own`, target: judge.id, kind: 'single', sources: [] })[0]?.model ?? null;
}

/** One answer to judge: who wrote it and the text. `id` changes when the text does. */
interface Candidate {
  source: string;
  id: string;
  text: string;
}

/** Every ordered pair of an item's candidates: each unordered pair in both orders. */
export function orderedPairs<T>(candidates: readonly T[]): [T, T][] {
  const out: [T, T][] = [];
  for (let i = 0; i < candidates.length; i++) {
    for (let j = i + 1; j < candidates.length; j++) out.push([candidates[i], candidates[j]], [candidates[j], candidates[i]]);
  }
  return out;
}

/** A judge's rows that hold a judgement (error rows left out), as judgements by `judgeId`. */
function judgementsOf(judgeId: string, judge: ModelEntry, rows: readonly JudgementRow[]): PairJudgement[] {
  return rows
    .filter((r): r is JudgementRow & { sourceA: string; sourceB: string } => r.error === undefined && typeof r.sourceA === 'string' && typeof r.sourceB === 'string')
    .map((r) => judgementOf(judgeId, judge, r));
}

/** With no own-family source, SPB is undefined: selfPreference says why, naming this placeholder. */
const ownOrPlaceholder = (judge: ModelEntry, own: string | null) => own ?? `(no source of family "${judge.family}")`;

/**
 * One judge's self-preference numbers from its judgement rows. `condition` is set when the judge
 * is that condition's own model (`judge` its target's entry); the result is then named after it.
 */
export function aggregatePreference(judge: ModelEntry, own: string | null, rows: JudgementRow[], seed: number, condition?: EvaluatedRef): PreferenceJudgeResult {
  const judgeId = condition?.condition ?? judge.id;
  const judgements = judgementsOf(judgeId, judge, rows);
  const sp = selfPreference(judgements, { own: ownOrPlaceholder(judge, own), human: HUMAN, seed });
  const n = sp.judgements;
  return {
    judge: judgeId,
    ...(condition ? { condition } : {}),
    family: judge.family,
    own,
    judgements: n,
    errors: rows.length - judgements.length,
    unparseable: sp.unparseable,
    instructions: sp.clusters,
    methods: sp.methods,
    verdictFallback: sp.methods.verdict > 0,
    orderInvariant: n > 0 && sp.methods.likelihood === n,
    ...(sp.bothOrders.answerBlind ? { answerBlind: true } : {}),
    bothOrders: { pairs: sp.bothOrders.pairs, same: sp.bothOrders.same },
    sources: Object.fromEntries(Object.entries(sp.sources).map(([k, v]) => [k, { appearances: v.appearances, s: estimateStat(v.s, v.appearances) }])),
    spb: estimateStat(sp.spb, n),
    psb: estimateStat(sp.psb, n),
    positionBias: estimateStat(sp.positionBias, n),
  };
}

/** One condition's own model as a judge: its target's entry, the own-family source and its rows. */
export interface ConditionJudged {
  condition: EvaluatedRef;
  judge: ModelEntry;
  own: string | null;
  rows: readonly JudgementRow[];
}

/**
 * Each condition judge's SPB of each instruction it judged (keyed by example id): what the
 * conditions of one target are compared on (multi vs single as judges), within the session and
 * across sessions.
 */
export function spbValues(judged: readonly ConditionJudged[]): PerItemValues[] {
  return judged.map((j) => ({
    ref: j.condition,
    values: spbByItem(judgementsOf(j.condition.condition, j.judge, j.rows), { own: ownOrPlaceholder(j.judge, j.own), human: HUMAN }),
  }));
}

/** A model that judges: a session model by its role, or an evaluated condition's own model. */
interface Judge {
  id: string;
  /** The session entry: the judge itself, or the condition's target (family, engine, parallelism). */
  entry: ModelEntry;
  model: LanguageModel;
  file: string;
  /** Identifies the judge's weights in every judgement key (a retrained condition judges anew). */
  keyParts: string[];
  condition?: EvaluatedRef;
}

/**
 * The conditions' own models as judges (evaluation.preference.conditionJudges). Absent from the
 * session, they judge when every condition's model can: otherwise `reason` says which cannot.
 */
async function conditionJudges(ctx: StepContext): Promise<{ judges: Judge[]; reason?: string }> {
  const { session, paths } = ctx;
  const setting = session.evaluation.preference.conditionJudges;
  if (setting === false) return { judges: [], reason: 'off (evaluation.preference.conditionJudges)' };
  if (session.conditions.length === 0) return { judges: [], reason: 'no conditions' };
  const files = evaluationFiles(paths);
  const judges: Judge[] = [];
  for (const condition of session.conditions) {
    const target = targetEntry(session, condition);
    let revision;
    try {
      revision = revisionOf(paths, condition, target);
    } catch (err) {
      if (setting) throw err;
      return { judges: [], reason: (err as Error).message };
    }
    const model = await ctx.models.forCondition(condition);
    if (!model.capabilities.has('judge')) {
      if (setting) requireCapability(model, 'judge', 'evaluation.preference.conditionJudges needs every condition model to compare two answers: set it to false');
      return { judges: [], reason: `condition "${condition.name}" cannot judge (set evaluation.preference.conditionJudges to false to silence this)` };
    }
    const ref: EvaluatedRef = { condition: condition.name, target: target.id, kind: condition.kind };
    judges.push({ id: condition.name, entry: target, model, file: files.conditionJudgements(condition.name), keyParts: [condition.name, JSON.stringify(revision)], condition: ref });
  }
  return { judges };
}

/**
 * The preference cell: every source model answers a seeded sample of test instructions (kept
 * keyed under answers/sources/); each judge compares every pair of answers to the same
 * instruction — the sources' and the human's — in both orders; S per source, SPB, PSB and
 * position bias per judge, with the verdict fallback flagged and unreadable replies counted.
 * The judges are the judge-role models and, unless turned off, every condition's own model.
 */
export const preferenceStep: Step = async function* (ctx) {
  const { session, paths } = ctx;
  const sourceEntries = session.models.filter((m) => m.roles.includes('source'));
  if (sourceEntries.length === 0) throw new Error('preference needs answers from source models: give at least one model the "source" role');
  const byCondition = await conditionJudges(ctx);
  const judgeEntries = preferenceJudges(session, { releasedTargets: byCondition.judges.length === 0 });
  if (judgeEntries.length + byCondition.judges.length === 0) throw new Error('preference needs a judge: list evaluation.preference.judges or give a model the "judge" role');
  const sources: LanguageModel[] = [];
  for (const e of sourceEntries) {
    const m = await ctx.models.model(e.id);
    requireCapability(m, 'generate', 'preference needs each source to answer the test instructions — check it with `baskets models`');
    sources.push(m);
  }
  const files = evaluationFiles(paths);
  const judges: Judge[] = [];
  for (const e of judgeEntries) {
    const m = await ctx.models.model(e.id);
    requireCapability(m, 'judge', 'preference needs a judge that compares two answers: choose another in evaluation.preference.judges');
    judges.push({ id: e.id, entry: e, model: m, file: files.judgements(e.id), keyParts: [e.id] });
  }
  judges.push(...byCondition.judges);
  if (byCondition.reason && session.conditions.length > 0) {
    yield { type: 'log', level: 'warn', message: `the conditions' own models do not judge: ${byCondition.reason}` };
  }
  const test = await readHumanSplit(paths, 'test');
  const items = sampleTestExamples(test, session.evaluation.preference.items, session.seed, 'preference');
  const writers = sourceEntries.map((entry, i) => ({ name: entry.id, entry, model: sources[i], file: files.sourceAnswers(entry.id) }));
  const opts = { sessionSeed: session.seed, retryErrors: ctx.options.retryErrors };
  // Every judge's task is on the cell before the answers it compares arrive, at the most pairs
  // there can be (every source answering every item), so the cell's count of tasks never grows.
  // A judge that is also a source gets a task of its own beside its answers.
  const taskOf = (judge: Judge) => (writers.some((w) => w.name === judge.id) ? `${judge.id} (judge)` : judge.id);
  const candidateCount = writers.length + 1;
  for (const judge of judges) yield { type: 'progress', task: taskOf(judge), done: 0, total: items.length * candidateCount * (candidateCount - 1), unit: 'judgements' };

  yield* streamWork(ctx.signal, (emit, signal) => runPrepared(writers.map((w) => prepareAnswers(w, items, opts, { signal, now: ctx.now, emit }))));
  const written = await Promise.all(writers.map((w) => readWrittenAnswers(w.file, w.name, w.entry, items)));
  const candidatesOf = (item: Example): Candidate[] => [
    ...writers.flatMap((w, i) => {
      const a = written[i].answers.get(item.id);
      return a ? [{ source: w.name, id: a.key, text: a.response! }] : [];
    }),
    { source: HUMAN, id: `${HUMAN}:${item.id}`, text: item.response },
  ];
  const pairs = items.flatMap((item) => orderedPairs(candidatesOf(item)).map(([a, b]) => ({ item, a, b })));
  const judgeKey = (judge: Judge, a: Candidate, b: Candidate) => itemKey('judge', ...judge.keyParts, a.id, b.id);

  const rows = yield* streamWork(ctx.signal, (emit, signal) =>
    runPrepared(
      judges.map((judge) =>
        prepareKeyed<JudgementRow>(
          {
            file: judge.file,
            task: taskOf(judge),
            unit: 'judgements',
            parallelism: parallelismOf(judge.entry),
            retryErrors: ctx.options.retryErrors,
            apiKeyEnv: judge.entry.engine.engine === 'openai' ? judge.entry.engine.apiKeyEnv : undefined,
            tasks: pairs.map(({ item, a, b }) => ({
              key: judgeKey(judge, a, b),
              run: async (s: AbortSignal) => {
                const question = conversationText(item);
                const v = await judge.model.judgePair(question, a.text, b.text, { signal: s });
                return { exampleId: item.id, sourceA: a.source, sourceB: b.source, ...judgementFields(v) };
              },
            })),
          },
          { signal, now: ctx.now, emit },
        ),
      ),
    ),
  );

  const seed = deriveSeed(session.seed, 'preference');
  const judged = judges.map((judge, j) => ({ judge, own: ownSource(session, judge.entry), rows: pairs.flatMap(({ a, b }) => rows[j].get(judgeKey(judge, a, b)) ?? []) }));
  const results = judged.map(({ judge, own, rows: r }) => aggregatePreference(judge.entry, own, r, seed, judge.condition));
  const byConditionJudge = judged.flatMap(({ judge, own, rows: r }): ConditionJudged[] => (judge.condition ? [{ condition: judge.condition, judge: judge.entry, own, rows: r }] : []));
  const spb = spbValues(byConditionJudge);
  const result: PreferenceResultFile = {
    version: RESULT_VERSION,
    kind: 'preference',
    createdAt: new Date(ctx.now()).toISOString(),
    seed: session.seed,
    inputs: studyInputs(session),
    items: items.length,
    sources: [...writers.map((w) => w.name), HUMAN],
    judges: results,
    conditionJudges: { enabled: byCondition.judges.length > 0, ...(byCondition.reason ? { reason: byCondition.reason } : {}) },
    spbComparisons: pairedByItem(spb, seed),
    perItem: perItemTable(items, [{ measure: 'spb', models: spb }]),
  };
  const path = paths.result('preference');
  writeJsonAtomic(path, result);
  const fmt = (x: number | null) => (x === null ? '—' : (x >= 0 ? '+' : '') + x.toFixed(3));
  const line = (r: PreferenceJudgeResult) =>
    `${r.judge} SPB ${fmt(r.spb.value)} PSB ${fmt(r.psb.value)}${r.answerBlind ? ' (answer-blind)' : ''}${r.verdictFallback ? ' (verdict fallback)' : ''}${r.unparseable ? ` (${r.unparseable} unparseable)` : ''}${r.errors ? ` (${r.errors} failed: --retry-errors)` : ''}`;
  const byRole = results.filter((r) => !r.condition);
  const byModel = results.filter((r) => r.condition);
  const spbs = byModel.map((r) => r.spb.value).filter((x): x is number => x !== null);
  const blind = byModel.filter((r) => r.answerBlind).length;
  const range = [spbs.length ? `SPB ${fmt(Math.min(...spbs))} to ${fmt(Math.max(...spbs))}` : '', blind ? `${blind} answer-blind` : ''].filter(Boolean).join('; ');
  const conditionsText = byModel.length ? `${byModel.length} condition models judged${range ? ` (${range})` : ''}` : '';
  const text = [byRole.map(line).join(', '), conditionsText].filter(Boolean).join('; ') + ` over ${items.length} items`;
  yield { type: 'result', name: 'preference', path, summary: text };
  yield { type: 'summary', text };
};
