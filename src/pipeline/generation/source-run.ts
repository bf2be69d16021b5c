import { redactSecrets } from '../../engines/openai/secrets.js';
import { stepStopper } from '../../engines/openai/errors.js';
import type { GenerationDelta, LanguageModel } from '../../domain/models.js';
import { JsonlAppender } from '../../util/jsonl.js';
import type { StepEvent } from '../../domain/events.js';
import { promptMessages, type Example, type SyntheticRecord } from '../../domain/example.js';
import type { ModelEntry } from '../../domain/session.js';
import { latestRows } from './answers.js';
import { answerKey, answerSeed, paramsHashOf } from './answer-keys.js';
import { TokenRate } from './token-rate.js';
import type { Prepared } from '../evaluation/stream.js';

export interface SourceJob {
  entry: ModelEntry;
  /** What the answers are keyed by, when not paramsHashOf(entry) (other weights than the entry's). */
  paramsHash?: string;
  model: LanguageModel;
  file: string;
  examples: Example[];
  sessionSeed: number;
  retryErrors: boolean;
}

/** A source's accounting: its current file (all runs) and this run alone. */
export interface SourceAccounting {
  source: string;
  paramsHash: string;
  keys: number;
  answered: number;
  errors: number;
  /** Answers cut off at maxTokens (finish_reason "length"). */
  truncated: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number | null;
  run: { requests: number; answered: number; errors: number; promptTokens: number; completionTokens: number; wallMs: number; completionTokensPerSecond: number };
}

const PROGRESS_INTERVAL_MS = 200;

/**
 * Requests one source keeps in flight: its endpoints' limits; for an hf worker two batches'
 * worth, so the next batch waits while one runs; a few for the builtin models.
 */
export function parallelismOf(entry: ModelEntry): number {
  switch (entry.engine.engine) {
    case 'openai':
      return entry.engine.concurrency * entry.engine.baseUrls.length;
    case 'hf':
      return 2 * entry.engine.batchSize;
    case 'builtin':
      return 2;
  }
}

interface Todo {
  example: Example;
  sample: number;
  key: string;
  seed: number;
}

type SourceRunContext = { signal: AbortSignal; now: () => number; emit: (event: StepEvent) => void };

/**
 * Answer every (example, sample) of one source that its file does not already hold, appending
 * each answer (or error row, after the engine's retries) the moment it completes. Record
 * content depends only on the key and the seed, never on timing, so a resumed run writes what
 * an uninterrupted one would. Prepared: counted from its file and its whole total reported
 * before it starts, so a step can report every task's total before running any (runPrepared).
 */
export async function prepareSource(job: SourceJob, ctx: SourceRunContext): Promise<Prepared<SourceAccounting>> {
  const { entry, model } = job;
  const started = ctx.now();
  const paramsHash = job.paramsHash ?? paramsHashOf(entry);
  const rows = await latestRows(job.file);
  const planned = new Set<string>();
  const todo: Todo[] = [];
  for (const example of job.examples) {
    for (let sample = 0; sample < entry.generation.samples; sample++) {
      // answerKeyIn, with the seed kept for the request.
      const seed = answerSeed(job.sessionSeed, entry.id, example.id, sample);
      const key = answerKey(entry.id, example, sample, paramsHash, seed);
      planned.add(key);
      const existing = rows.get(key);
      if (existing && (existing.error === undefined || !job.retryErrors)) continue;
      todo.push({ example, sample, key, seed });
    }
  }
  const plannedRows = () => [...planned].flatMap((key) => rows.get(key) ?? []);

  const run = { requests: 0, answered: 0, errors: 0, promptTokens: 0, completionTokens: 0 };
  let done = planned.size - todo.length;
  let errors = plannedRows().filter((r) => r.error !== undefined).length - (job.retryErrors ? todo.filter((t) => rows.has(t.key)).length : 0);
  let inFlight = 0;
  const rate = new TokenRate(ctx.now);
  let lastProgress = -Infinity;
  const progress = (force = false) => {
    const now = ctx.now();
    if (!force && now - lastProgress < PROGRESS_INTERVAL_MS) return;
    lastProgress = now;
    ctx.emit({ type: 'progress', task: entry.id, done, total: planned.size, unit: 'answers', inFlight, errors, tokensPerSecond: rate.perSecond() });
  };
  progress(true);
  return { run: () => answerTodo() };

  async function answerTodo(): Promise<SourceAccounting> {
    const { temperature, topP, maxTokens, stop } = entry.generation;
    const apiKeyEnv = entry.engine.engine === 'openai' ? entry.engine.apiKeyEnv : undefined;
    const onDelta = (d: GenerationDelta) => rate.add(d.tokens);
    // Rows are built field by field in one fixed order (once per request, then serialised).
    const answer = async ({ example, sample, key, seed }: Todo): Promise<SyntheticRecord | null> => {
      try {
        const g = await model.generate(promptMessages(example), stop?.length ? { temperature, topP, maxTokens, seed, stop } : { temperature, topP, maxTokens, seed }, { signal: ctx.signal, onDelta });
        run.answered++;
        run.promptTokens += g.promptTokens;
        run.completionTokens += g.completionTokens;
        return {
          key,
          source: entry.id,
          exampleId: example.id,
          sample,
          paramsHash,
          seed,
          response: g.text,
          finishReason: g.finishReason,
          promptTokens: g.promptTokens,
          completionTokens: g.completionTokens,
          t: ctx.now(),
        };
      } catch (err) {
        if (ctx.signal.aborted) return null; // cancelled, not failed: the key stays open for the next run
        const stopper = stepStopper(err);
        if (stopper) throw stopper; // the step stops: no row, the key stays open
        run.errors++;
        errors++;
        const error = redactSecrets((err as Error)?.message ?? String(err), apiKeyEnv).replace(/\s+/g, ' ');
        return { key, source: entry.id, exampleId: example.id, sample, paramsHash, seed, error, t: ctx.now() };
      }
    };
    const appender = new JsonlAppender(job.file); // repairs a truncated last line first
    let next = 0;
    const worker = async () => {
      while (next < todo.length && !ctx.signal.aborted) {
        const item = todo[next++];
        inFlight++;
        run.requests++;
        const record = await answer(item);
        inFlight--;
        if (!record) return;
        appender.append(record);
        rows.set(item.key, record);
        done++;
        progress();
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(parallelismOf(entry), Math.max(1, todo.length)) }, worker));
    } finally {
      appender.close();
    }
    progress(true);
    ctx.signal.throwIfAborted();

    const answers = plannedRows().filter((r) => r.error === undefined);
    const promptTokens = answers.reduce((s, r) => s + (r.promptTokens ?? 0), 0);
    const completionTokens = answers.reduce((s, r) => s + (r.completionTokens ?? 0), 0);
    const pricing = entry.engine.engine === 'openai' ? entry.engine.pricing : undefined;
    const wallMs = ctx.now() - started;
    return {
      source: entry.id,
      paramsHash,
      keys: planned.size,
      answered: answers.length,
      errors: plannedRows().length - answers.length,
      truncated: answers.filter((r) => r.finishReason === 'length').length,
      promptTokens,
      completionTokens,
      costUsd: pricing ? (promptTokens * pricing.prompt + completionTokens * pricing.completion) / 1e6 : null,
      run: { ...run, wallMs, completionTokensPerSecond: wallMs > 0 ? Math.round((run.completionTokens / wallMs) * 1000) : 0 },
    };
  }
}
