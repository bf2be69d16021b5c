import type { StepId } from './session.js';

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
