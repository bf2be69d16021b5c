import { StallError, type StallPhase } from './errors.js';

/** How long a streamed request may take: to its first chunk, between chunks, and in all. */
export interface StreamTimeouts {
  /** From the request to the first streamed chunk (a loaded server queues before it starts). */
  firstTokenMs: number;
  /** Between one streamed chunk and the next. */
  idleMs: number;
  /** The whole attempt. */
  totalMs: number;
}

/**
 * Aborts a streamed request that stalls: no first chunk within `firstTokenMs`, then no chunk
 * for `idleMs`, or not done within `totalMs`. The SDK's own timeout stops at the response
 * headers, so one stalled stream would otherwise hold its slot for the whole total. `touch()`
 * on every chunk; the caller's signal aborts it too.
 */
export class Watchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = performance.now();
  private lastChunk: number | null = null;
  private stall: StallError | null = null;
  private readonly onParentAbort = () => this.controller.abort(this.parent?.reason);

  constructor(
    private readonly timeouts: StreamTimeouts,
    private readonly parent?: AbortSignal,
  ) {
    if (parent?.aborted) this.controller.abort(parent.reason);
    else parent?.addEventListener('abort', this.onParentAbort, { once: true });
    this.check();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Called per chunk, so it mostly only notes the time; the one timer re-arms itself lazily. */
  touch(): void {
    const first = this.lastChunk === null;
    this.lastChunk = performance.now();
    if (first) {
      // The first-token deadline gives way to the (usually shorter) gap between tokens.
      clearTimeout(this.timer);
      this.check();
    }
  }

  /** The nearest deadline and what passing it means, with the current phase's limit. */
  private nextDeadline(): { at: number; phase: StallPhase; ms: number } {
    const { firstTokenMs, idleMs, totalMs } = this.timeouts;
    const total = { at: this.startedAt + totalMs, phase: 'total' as const, ms: totalMs };
    const chunk = this.lastChunk === null ? { at: this.startedAt + firstTokenMs, phase: 'first-token' as const, ms: firstTokenMs } : { at: this.lastChunk + idleMs, phase: 'idle' as const, ms: idleMs };
    return chunk.at < total.at ? chunk : total;
  }

  private check(): void {
    const deadline = this.nextDeadline();
    const left = deadline.at - performance.now();
    if (left > 0) {
      this.timer = setTimeout(() => this.check(), left);
      return;
    }
    this.stall = new StallError(deadline.ms, deadline.phase);
    this.controller.abort(this.stall);
  }

  /** The error to throw: the StallError when the watchdog fired, else the original one. */
  explain(err: unknown): unknown {
    return this.stall && !this.parent?.aborted ? this.stall : err;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.parent?.removeEventListener('abort', this.onParentAbort);
  }
}
