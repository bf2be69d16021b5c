import type { LanguageModel } from '../domain/models.js';
import type { StepEvent } from '../domain/events.js';
import type { SessionPaths } from './paths.js';
import type { Condition, Session } from '../domain/session.js';

/** Everything a step may use. Clock and signal are injected so tests control them. */
export interface StepContext {
  session: Session;
  paths: SessionPaths;
  models: ModelResolver;
  options: {
    /** Retry exactly the error rows left by earlier runs. */
    retryErrors: boolean;
    /** Stop at the first malformed dataset record instead of skipping and counting it. */
    strict: boolean;
  };
  signal: AbortSignal;
  now: () => number;
}

export interface ModelResolver {
  /** The model of a session entry, as released. */
  model(id: string): Promise<LanguageModel>;
  /** The model a condition evaluates: the target itself for `vanilla`, else its trained result. */
  forCondition(condition: Condition): Promise<LanguageModel>;
  /** Let go of the models opened so far (worker processes end; GPU memory is freed for training). */
  close?(): Promise<void>;
}

/** A notebook cell's work: an async generator of typed events that honours `ctx.signal`. */
export type Step = (ctx: StepContext) => AsyncGenerator<StepEvent, void, void>;
