import { StallError } from './errors.js';

/**
 * Aborts a request when nothing arrives for `idleMs`: the SDK's own timeout stops at the
 * response headers, so a stream that stalls mid-body would otherwise hang until undici's body
 * timeout. `touch()` on every chunk; the caller's signal aborts it too.
 */
export class Watchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private stalled = false;
  private readonly onParentAbort = () => this.controller.abort(this.parent?.reason);

  constructor(
    private readonly idleMs: number,
    private readonly parent?: AbortSignal,
  ) {
    if (parent?.aborted) this.controller.abort(parent.reason);
    else parent?.addEventListener('abort', this.onParentAbort, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.stalled = true;
      this.controller.abort(new StallError(this.idleMs));
    }, this.idleMs);
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
