import { StallError } from './errors.js';

/**
 * Aborts a request when nothing arrives for `idleMs`: the SDK's own timeout stops at the
 * response headers, so a stream that stalls mid-body would otherwise hang until undici's body
 * timeout. `touch()` on every chunk; the caller's signal aborts it too.
 */
export class Watchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private lastActivity = performance.now();
  private stalled = false;
  private readonly onParentAbort = () => this.controller.abort(this.parent?.reason);

  constructor(
    private readonly idleMs: number,
    private readonly parent?: AbortSignal,
  ) {
    if (parent?.aborted) this.controller.abort(parent.reason);
    else parent?.addEventListener('abort', this.onParentAbort, { once: true });
    this.arm(idleMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Called per chunk, so it only notes the time; the one timer re-arms itself lazily. */
  touch(): void {
    this.lastActivity = performance.now();
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      const idle = performance.now() - this.lastActivity;
      if (idle < this.idleMs) return this.arm(this.idleMs - idle);
      this.stalled = true;
      this.controller.abort(new StallError(this.idleMs));
    }, ms);
  }

  /** The error to throw: a StallError when the watchdog fired, else the original one. */
  explain(err: unknown): unknown {
    return this.stalled && !this.parent?.aborted ? new StallError(this.idleMs) : err;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.parent?.removeEventListener('abort', this.onParentAbort);
  }
}
