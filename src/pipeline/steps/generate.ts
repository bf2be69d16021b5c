import { existsSync } from 'node:fs';
import { cannotGenerate } from '../../engines/openai/index.js';
import { writeJsonAtomic } from '../../util/atomic.js';
import { readJsonlAll } from '../../util/jsonl.js';
import { runPrepared, streamWork } from '../evaluation/stream.js';
import type { Example } from '../../domain/example.js';
import { preflightModels } from '../generation/preflight.js';
import { prepareSource, type SourceAccounting } from '../generation/source-run.js';
import type { Step } from '../step.js';

/**
 * The generate cell: every source model answers every train instruction (`samples` times),
 * all sources at once, each appending to its own keyed file. Checks every source before any
 * work, resumes where an earlier run stopped, and ends with per-source accounting in
 * results/generation.json.
 */
export const generateStep: Step = async function* (ctx) {
  const sources = ctx.session.models.filter((m) => m.roles.includes('source'));
  if (sources.length === 0) throw new Error('no source models: give at least one model the "source" role on the Models screen');
  await preflightModels(sources, { signal: ctx.signal });
  if (!existsSync(ctx.paths.humanTrain)) throw new Error(`no train instructions at ${ctx.paths.humanTrain}: run the data step first`);
  const examples = await readJsonlAll<Example>(ctx.paths.humanTrain);
  const models = await Promise.all(sources.map((s) => ctx.models.model(s.id)));
  for (const [i, model] of models.entries()) {
    if (!model.capabilities.has('generate')) throw new Error(cannotGenerate(sources[i]));
  }

  // One source failing for good (a full disk, say) stops the others rather than leaving them running unseen.
  const started = ctx.now();
  const accounting = yield* streamWork(ctx.signal, (emit, signal) =>
    runPrepared(
      sources.map((entry, i) =>
        prepareSource(
          { entry, model: models[i], file: ctx.paths.synthetic(entry.id), examples, sessionSeed: ctx.session.seed, retryErrors: ctx.options.retryErrors },
          { signal, now: ctx.now, emit },
        ),
      ),
    ),
  );

  const path = ctx.paths.result('generation');
  writeJsonAtomic(path, { examples: examples.length, wallMs: ctx.now() - started, sources: accounting });
  const text = summarize(accounting);
  yield { type: 'result', name: 'generation', path, summary: text };
  yield { type: 'summary', text };
};

function summarize(accounting: SourceAccounting[]): string {
  const sum = (pick: (a: SourceAccounting) => number) => accounting.reduce((s, a) => s + pick(a), 0);
  const keys = sum((a) => a.keys);
  const parts = [`${accounting.length} source${accounting.length === 1 ? '' : 's'}: ${sum((a) => a.answered)}/${keys} answered`];
  const errors = sum((a) => a.errors);
  if (errors) parts.push(`${errors} errors (retry with --retry-errors)`);
  const truncated = sum((a) => a.truncated);
  if (truncated) parts.push(`${truncated} cut at max tokens`);
  parts.push(`${sum((a) => a.promptTokens + a.completionTokens).toLocaleString('en-US')} tokens`);
  const costs = accounting.filter((a) => a.costUsd !== null);
  if (costs.length) parts.push(`$${costs.reduce((s, a) => s + (a.costUsd ?? 0), 0).toFixed(2)}`);
  return parts.join(', ');
}
