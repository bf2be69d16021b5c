import { z } from 'zod';
import { STEP_IDS, type StepId } from './session.js';

/**
 * The typed event stream of a run. Steps yield `StepEvent`s; the runner stamps each with the
 * time and the step and appends it to `events.jsonl`; the TUI and `baskets attach` replay and
 * follow that log. Consumers switch on `type` with a `never`-typed default.
 */

export interface TrainMetrics {
  step: number;
  totalSteps: number;
  loss?: number;
  evalLoss?: number;
  learningRate?: number;
  epoch?: number;
  gradNorm?: number;
  tokensPerSecond?: number;
  gpuMemoryMb?: number;
  elapsedS?: number;
  remainingS?: number;
}

/** A run's metrics at its last step (a run that does not say how many steps it has never is). */
export function atLastStep(m: TrainMetrics): boolean {
  return m.totalSteps > 0 && m.step >= m.totalSteps;
}

export interface GpuSample {
  index: number;
  utilization: number;
  memoryUsedMb: number;
  memoryTotalMb: number;
  temperatureC: number;
  powerW: number;
}

export type StepEvent =
  /** Progress of one task within a step (a source, a target/condition, a model). */
  | {
      type: 'progress';
      task: string;
      done: number;
      total: number;
      unit: string;
      inFlight?: number;
      errors?: number;
      tokensPerSecond?: number;
    }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'train-metrics'; task: string; metrics: TrainMetrics }
  | { type: 'gpu'; samples: GpuSample[] | null; message?: string }
  /** A result file was (re)written; panes that show it refresh. */
  | { type: 'result'; name: string; path: string; summary: string }
  /** The last thing a step yields: a one-line summary for its cell. */
  | { type: 'summary'; text: string };

export type StepStatus = 'done' | 'failed' | 'cancelled' | 'skipped';

export type RunEvent =
  | { type: 'run-start'; t: number; runId: string; pid: number; steps: StepId[] }
  | { type: 'step-start'; t: number; runId: string; step: StepId }
  | ({ t: number; runId: string; step: StepId } & StepEvent)
  | {
      type: 'step-finish';
      t: number;
      runId: string;
      step: StepId;
      status: StepStatus;
      elapsedMs: number;
      summary: string;
      error?: string;
    }
  | { type: 'run-finish'; t: number; runId: string; status: 'done' | 'failed' | 'cancelled' };

export type RunEventType = RunEvent['type'];

/**
 * Where a switch over every event type ends: the compiler checks no type is left out, and at
 * run time an event a newer baskets wrote (one this version does not know) is skipped, so an
 * older TUI or `attach` keeps following instead of stopping.
 */
export function skipUnknownEvent(event: never): void {
  void event;
}

const num = z.number();
/** Milliseconds since 1970 within what a Date can hold: a clock shown from any other value would throw. */
const time = z.number().min(0).max(8.64e15);
/** A measurement that may be unknown: NaN (a GPU reading "[N/A]", a diverged loss) is written to JSON as null. */
const reading = z
  .number()
  .nullable()
  .transform((v) => v ?? NaN);
const stamp = { t: time, runId: z.string() };
const stepStamp = { ...stamp, step: z.enum(STEP_IDS) };

const TrainMetricsSchema = z.object({
  step: num,
  totalSteps: num,
  loss: reading.optional(),
  evalLoss: reading.optional(),
  learningRate: reading.optional(),
  epoch: reading.optional(),
  gradNorm: reading.optional(),
  tokensPerSecond: reading.optional(),
  gpuMemoryMb: reading.optional(),
  elapsedS: reading.optional(),
  remainingS: reading.optional(),
});

const GpuSampleSchema = z.object({ index: num, utilization: reading, memoryUsedMb: reading, memoryTotalMb: reading, temperatureC: reading, powerW: reading });

/** What a line of `events.jsonl` must hold to be folded; checked on reading, since the file may be hand-edited, cut or written by another version. */
const RunEventSchema: z.ZodType<RunEvent> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('run-start'), ...stamp, pid: num, steps: z.array(z.enum(STEP_IDS)) }),
  z.object({ type: z.literal('step-start'), ...stepStamp }),
  z.object({
    type: z.literal('progress'),
    ...stepStamp,
    task: z.string(),
    done: num,
    total: num,
    unit: z.string(),
    inFlight: num.optional(),
    errors: num.optional(),
    tokensPerSecond: reading.optional(),
  }),
  z.object({ type: z.literal('log'), ...stepStamp, level: z.enum(['info', 'warn', 'error']), message: z.string() }),
  z.object({ type: z.literal('train-metrics'), ...stepStamp, task: z.string(), metrics: TrainMetricsSchema }),
  z.object({ type: z.literal('gpu'), ...stepStamp, samples: z.array(GpuSampleSchema).nullable(), message: z.string().optional() }),
  z.object({ type: z.literal('result'), ...stepStamp, name: z.string(), path: z.string(), summary: z.string() }),
  z.object({ type: z.literal('summary'), ...stepStamp, text: z.string() }),
  z.object({
    type: z.literal('step-finish'),
    ...stepStamp,
    status: z.enum(['done', 'failed', 'cancelled', 'skipped']),
    elapsedMs: num,
    // A cell shows its last summary event where a finish brings none.
    summary: z.string().default(''),
    error: z.string().optional(),
  }),
  z.object({ type: z.literal('run-finish'), ...stamp, status: z.enum(['done', 'failed', 'cancelled']) }),
]);

/** A line of an event log that holds no event this baskets reads, and why (a short phrase naming the bad key). */
export interface SkippedLine {
  /** 1-based line in the file; null where reading began part-way through it. */
  line: number | null;
  problem: string;
}

/** One line of an event log: the event it holds, or why it holds none. */
export function parseEventLine(line: string): { event: RunEvent } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { problem: 'not valid JSON' };
  }
  const parsed = RunEventSchema.safeParse(raw);
  if (parsed.success) return { event: parsed.data };
  const issue = parsed.error.issues[0];
  const key = issue.path.join('.');
  if (!key) return { problem: 'not an event (a JSON object with a "type")' };
  const type = (raw as { type?: unknown }).type;
  if (key === 'type' && type !== undefined) return { problem: `unknown event type ${JSON.stringify(type).slice(0, 40)}` };
  return { problem: issue.message.endsWith('received undefined') ? `"${key}" is missing` : `"${key}": ${issue.message}` };
}
