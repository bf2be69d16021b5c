import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic.js';
import { deriveSeed, mulberry32, shuffled } from '../../util/rng.js';
import { apportion, conditionProblem, conditionSources } from '../conditions.js';
import { readHumanSplit } from '../data/read.js';
import type { Example, SyntheticRecord, TrainingExample } from '../../domain/example.js';
import type { Condition } from '../../domain/session.js';
import type { StepEvent } from '../../domain/events.js';
import type { Step, StepContext } from '../step.js';
import { latestRows } from '../generation/answers.js';
import { answerKeyIn, paramsHashOf } from '../generation/answer-keys.js';
import { sha256 } from '../../domain/hash.js';

interface Assembled {
  rows: TrainingExample[];
  /** Examples per origin ("human" or a source id). */
  counts: Record<string, number>;
  /** Assigned instructions whose source had no answer (errors or not generated yet). */
  missing: Record<string, number>;
}

/** A training row: the example's prompt (with its earlier turns, when it has any) and a response. */
function trainingRow(example: Example, origin: string, response: string): TrainingExample {
  const { id, instruction, context, history } = example;
  return { exampleId: id, origin, instruction, context, response, ...(history ? { history } : {}) };
}

/**
 * Build one condition's fine-tuning set. Every condition draws the same seeded list of train
 * instructions, so single and multi differ only in who answered: multi gives each source an
 * equal (or weighted) slice of that list, with the same total as single.
 */
async function assembleCondition(ctx: StepContext, condition: Condition, train: Example[]): Promise<Assembled> {
  const total = Math.min(condition.examples ?? train.length, train.length);
  const order = shuffled(train, mulberry32(deriveSeed(ctx.session.seed, 'assemble'))).slice(0, total);
  if (condition.kind === 'human') {
    const rows = order.map((e) => trainingRow(e, 'human', e.response));
    return { rows, counts: { human: rows.length }, missing: {} };
  }
  const sources = conditionSources(ctx.session, condition);
  const quotas = apportion(total, sources.map((s) => s.weight));
  const out: Assembled = { rows: [], counts: {}, missing: {} };
  let at = 0;
  for (const [i, source] of sources.entries()) {
    const entry = ctx.session.models.find((m) => m.id === source.model)!;
    const paramsHash = paramsHashOf(entry);
    const answers = await latestRows(ctx.paths.synthetic(source.model));
    const slice = order.slice(at, at + quotas[i]);
    at += quotas[i];
    out.counts[source.model] = 0;
    out.missing[source.model] = 0;
    for (const example of slice) {
      // By key, not example id: an answer written for another text of this instruction is not its answer.
      const answer: SyntheticRecord | undefined = answers.get(answerKeyIn(ctx.session.seed, source.model, example, 0, paramsHash));
      if (answer?.error !== undefined || typeof answer?.response !== 'string' || !answer.response) {
        out.missing[source.model]++;
        continue;
      }
      out.rows.push(trainingRow(example, source.model, answer.response));
      out.counts[source.model]++;
    }
  }
  return out;
}

interface Written {
  condition: Condition;
  assembled: Assembled;
  /** The dataset file differs from what an earlier assembly left (or there was none). */
  changed: boolean;
}

/** Assemble one condition and write its dataset and manifest, leaving an unchanged file alone. */
async function writeAssembled(ctx: StepContext, condition: Condition, train: Example[]): Promise<Written> {
  const assembled = await assembleCondition(ctx, condition, train);
  const file = ctx.paths.dataset(condition.name);
  const text = assembled.rows.map((r) => JSON.stringify(r)).join('\n') + (assembled.rows.length ? '\n' : '');
  const changed = !existsSync(file) || readFileSync(file, 'utf8') !== text;
  if (changed) writeFileAtomic(file, text);
  writeJsonAtomic(manifestPath(file), {
    condition: condition.name,
    kind: condition.kind,
    target: condition.target,
    examples: assembled.rows.length,
    counts: assembled.counts,
    missing: assembled.missing,
    // What this assembly wrote: a dataset that no longer matches was edited by hand since.
    sha256: sha256(text),
  });
  return { condition, assembled, changed };
}

const manifestPath = (datasetFile: string) => datasetFile.replace(/\.jsonl$/, '.manifest.json');

/** The dataset's text differs from what its last assembly recorded writing. */
function editedSinceAssembly(datasetFile: string): boolean {
  try {
    const recorded = (JSON.parse(readFileSync(manifestPath(datasetFile), 'utf8')) as { sha256?: unknown }).sha256;
    return typeof recorded === 'string' && recorded !== sha256(readFileSync(datasetFile));
  } catch {
    return false; // no manifest (or an unreadable one): nothing says the file is anyone's but ours
  }
}

function* missingWarning(ctx: StepContext, { condition, assembled }: Written): Generator<StepEvent> {
  const missing = Object.entries(assembled.missing).filter(([, n]) => n > 0);
  if (!missing.length) return;
  const hint = existsSync(ctx.paths.humanTrain) ? 'run the generate step (with --retry-errors for error rows)' : 'run the data step';
  yield {
    type: 'log',
    level: 'warn',
    message: `${condition.name}: ${missing.map(([s, n]) => `${n} answers missing from ${s}`).join(', ')} — ${hint}`,
  };
}

function checkNotEmpty({ condition, assembled }: Written): void {
  if (assembled.rows.length === 0) throw new Error(`${condition.name}: the assembled dataset is empty — run the generate step first`);
}

/** The assemble step: one training set per non-vanilla condition, rebuilt from current outputs. */
export const assembleStep: Step = async function* (ctx) {
  const conditions = ctx.session.conditions.filter((c) => c.kind !== 'vanilla');
  if (conditions.length === 0) {
    yield { type: 'summary', text: 'no conditions to assemble (vanilla only)' };
    return;
  }
  for (const c of conditions) {
    const problem = conditionProblem(ctx.session, c);
    if (problem) throw new Error(problem);
  }
  const train = await readHumanSplit(ctx.paths, 'train');
  const sizes: string[] = [];
  for (const [i, condition] of conditions.entries()) {
    if (ctx.signal.aborted) return;
    const written = await writeAssembled(ctx, condition, train);
    yield* missingWarning(ctx, written);
    checkNotEmpty(written);
    sizes.push(`${condition.name} ${written.assembled.rows.length}`);
    yield { type: 'progress', task: 'conditions', done: i + 1, total: conditions.length, unit: 'datasets' };
  }
  yield { type: 'summary', text: `${conditions.length} datasets: ${sizes.join(', ')}` };
};

/**
 * Before training: every condition dataset that exists is assembled again from the current
 * source outputs and human split, and rewritten where it differs, so a run of
 * `--steps generate,train` (no assemble) never trains on answers that have since changed.
 * A dataset edited by hand after its assembly is kept; one not assembled yet is left for the
 * train step to report.
 */
export async function* refreshAssembledDatasets(ctx: StepContext): AsyncGenerator<StepEvent> {
  const conditions = ctx.session.conditions.filter((c) => c.kind !== 'vanilla' && existsSync(ctx.paths.dataset(c.name)));
  if (conditions.length === 0 || !existsSync(ctx.paths.humanTrain)) return;
  const train = await readHumanSplit(ctx.paths, 'train');
  for (const condition of conditions) {
    if (ctx.signal.aborted) return;
    const problem = conditionProblem(ctx.session, condition);
    if (problem) throw new Error(problem);
    const file = ctx.paths.dataset(condition.name);
    if (editedSinceAssembly(file)) {
      yield { type: 'log', level: 'warn', message: `${condition.name}: ${file} was edited after it was assembled, so it is trained on as it is — run the assemble step to rebuild it` };
      continue;
    }
    const written = await writeAssembled(ctx, condition, train);
    if (!written.changed) continue;
    yield* missingWarning(ctx, written);
    checkNotEmpty(written);
    yield {
      type: 'log',
      level: 'info',
      message: `${condition.name}: its source outputs changed since it was assembled; re-assembled ${ctx.paths.dataset(condition.name)} (${written.assembled.rows.length} examples)`,
    };
  }
}
