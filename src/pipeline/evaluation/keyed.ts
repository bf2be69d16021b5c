import { redactSecrets } from '../../engines/openai/secrets.js';
import { stepStopper } from '../../engines/openai/errors.js';
import { JsonlAppender, readJsonl } from '../../util/jsonl.js';
import type { StepEvent } from '../../domain/events.js';
import { sha256 } from '../../domain/hash.js';
import type { Prepared } from './stream.js';

/**
 * Keyed, append-only per-item outputs for the evaluation steps (scores, embeddings, ratings,
 * judgements): one JSON line per finished item, so a crash or kill -9 loses only the items in
 * flight and a rerun does only the keys the file lacks (or, with retryErrors, its error rows).
 */

/** A stable key from the parts that identify an item (model, item, inputs). */
export function itemKey(...parts: string[]): string {
  return sha256(JSON.stringify(parts)).slice(0, 24);
}

/** How much of a judge's raw reply a row keeps for audit. */
export const RAW_KEPT = 300;

export interface KeyedRow {
  key: string;
  /** Present on error rows: why the item failed. */
  error?: string;
  t: number;
}

/** The last row of each key in a file (a later success supersedes an earlier error row). */
export async function readKeyed<T extends KeyedRow>(file: string): Promise<Map<string, T>> {
  const rows = new Map<string, T>();
  for await (const { value } of readJsonl<T>(file)) {
    if (value && typeof value.key === 'string') rows.set(value.key, value);
  }
  return rows;
}

export interface KeyedTask<T extends KeyedRow> {
  key: string;
  /** Does the work and returns the row's fields (without key, t). */
  run: (signal: AbortSignal) => Promise<Omit<T, 'key' | 't' | 'error'>>;
}

export interface KeyedJob<T extends KeyedRow> {
  file: string;
  /** Progress task name, e.g. the condition. */
  task: string;
  unit: string;
  tasks: KeyedTask<T>[];
  parallelism: number;
  retryErrors: boolean;
  /** The environment variable of an API key to scrub from error messages. */
  apiKeyEnv?: string;
}

const PROGRESS_INTERVAL_MS = 200;

type KeyedContext = { signal: AbortSignal; now: () => number; emit: (event: StepEvent) => void };

/**
 * Run every task whose key the file does not already hold, appending each row the moment it
 * completes; returns the current row of every task's key (old and new).
 */
export async function runKeyed<T extends KeyedRow>(job: KeyedJob<T>, ctx: KeyedContext): Promise<Map<string, T>> {
  return (await prepareKeyed(job, ctx)).run();
}

/** runKeyed's work counted from its file and its whole total reported, not yet started (see runPrepared). */
export async function prepareKeyed<T extends KeyedRow>(job: KeyedJob<T>, ctx: KeyedContext): Promise<Prepared<Map<string, T>>> {
  const rows = await readKeyed<T>(job.file);
  const todo = job.tasks.filter((t) => {
    const existing = rows.get(t.key);
    return !existing || (existing.error !== undefined && job.retryErrors);
  });
  const errorsOf = () => job.tasks.filter((t) => rows.get(t.key)?.error !== undefined).length;
  let done = job.tasks.length - todo.length;
  let inFlight = 0;
  let errors = errorsOf() - (job.retryErrors ? todo.filter((t) => rows.has(t.key)).length : 0);
  let last = -Infinity;
  const progress = (force = false) => {
    if (!force && ctx.now() - last < PROGRESS_INTERVAL_MS) return;
    last = ctx.now();
    ctx.emit({ type: 'progress', task: job.task, done, total: job.tasks.length, unit: job.unit, inFlight, errors });
  };
  progress(true);
  return { run: () => runTodo() };

  async function runTodo(): Promise<Map<string, T>> {
    const appender = new JsonlAppender(job.file); // repairs a truncated last line first
    let next = 0;
    const worker = async () => {
      while (next < todo.length && !ctx.signal.aborted) {
        const task = todo[next++];
        inFlight++;
        let row: T;
        try {
          row = { ...(await task.run(ctx.signal)), key: task.key, t: ctx.now() } as T;
        } catch (err) {
          if (ctx.signal.aborted) return; // cancelled, not failed: the key stays open for the next run
          const stopper = stepStopper(err);
          if (stopper) throw stopper; // the step stops: no row, the key stays open
          errors++;
          row = { key: task.key, error: redactSecrets((err as Error)?.message ?? String(err), job.apiKeyEnv).replace(/\s+/g, ' '), t: ctx.now() } as T;
        }
        inFlight--;
        appender.append(row);
        rows.set(task.key, row);
        done++;
        progress();
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(job.parallelism, Math.max(1, todo.length)) }, worker));
    } finally {
      appender.close();
    }
    progress(true);
    ctx.signal.throwIfAborted();
    return new Map(job.tasks.flatMap((t) => (rows.has(t.key) ? [[t.key, rows.get(t.key)!] as const] : [])));
  }
}

