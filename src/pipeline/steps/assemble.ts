import { existsSync } from 'node:fs';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic.js';
import { deriveSeed, mulberry32, shuffled } from '../../util/rng.js';
import { apportion, conditionProblem, conditionSources } from '../conditions.js';
import { readHumanSplit } from '../data/read.js';
import type { Example, SyntheticRecord, TrainingExample } from '../example.js';
import type { Condition } from '../session.js';
import type { Step, StepContext } from '../step.js';
import { paramsHashOf, readSyntheticAnswers } from './generate.js';

interface Assembled {
  rows: TrainingExample[];
  /** Examples per origin ("human" or a source id). */
  counts: Record<string, number>;
  /** Assigned instructions whose source had no answer (errors or not generated yet). */
  missing: Record<string, number>;
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
    const rows = order.map((e) => ({ exampleId: e.id, origin: 'human', instruction: e.instruction, context: e.context, response: e.response }));
    return { rows, counts: { human: rows.length }, missing: {} };
  }
  const sources = conditionSources(ctx.session, condition);
  const quotas = apportion(total, sources.map((s) => s.weight));
  const out: Assembled = { rows: [], counts: {}, missing: {} };
  let at = 0;
  for (const [i, source] of sources.entries()) {
    const entry = ctx.session.models.find((m) => m.id === source.model)!;
    const answers = await readSyntheticAnswers(ctx.paths.synthetic(source.model), paramsHashOf(entry));
    const slice = order.slice(at, at + quotas[i]);
    at += quotas[i];
    out.counts[source.model] = 0;
    out.missing[source.model] = 0;
    for (const example of slice) {
      const answer: SyntheticRecord | undefined = answers.get(example.id)?.[0];
      if (!answer?.response) {
        out.missing[source.model]++;
        continue;
      }
      out.rows.push({ exampleId: example.id, origin: source.model, instruction: example.instruction, context: example.context, response: answer.response });
      out.counts[source.model]++;
    }
  }
  return out;
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
    const assembled = await assembleCondition(ctx, condition, train);
    const file = ctx.paths.dataset(condition.name);
    writeFileAtomic(file, assembled.rows.map((r) => JSON.stringify(r)).join('\n') + (assembled.rows.length ? '\n' : ''));
    writeJsonAtomic(file.replace(/\.jsonl$/, '.manifest.json'), {
      condition: condition.name,
      kind: condition.kind,
      target: condition.target,
      examples: assembled.rows.length,
      counts: assembled.counts,
      missing: assembled.missing,
    });
    const missing = Object.entries(assembled.missing).filter(([, n]) => n > 0);
    if (missing.length) {
      const hint = existsSync(ctx.paths.humanTrain) ? 'run the generate step (with --retry-errors for error rows)' : 'run the data step';
      yield {
        type: 'log',
        level: 'warn',
        message: `${condition.name}: ${missing.map(([s, n]) => `${n} answers missing from ${s}`).join(', ')} — ${hint}`,
      };
    }
    if (assembled.rows.length === 0) throw new Error(`${condition.name}: the assembled dataset is empty — run the generate step first`);
    sizes.push(`${condition.name} ${assembled.rows.length}`);
    yield { type: 'progress', task: 'conditions', done: i + 1, total: conditions.length, unit: 'datasets' };
  }
  yield { type: 'summary', text: `${conditions.length} datasets: ${sizes.join(', ')}` };
};
