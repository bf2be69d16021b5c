/**
 * Additive-increase / multiplicative-decrease concurrency for one endpoint: an overload (429,
 * 5xx, stall) halves the window, each success grows it by 1/window (about +1 per round trip),
 * never past the configured limit. A decrease counts once per window: failures of requests
 * sent before the last decrease are echoes of the same congestion, not new evidence.
 */
export class AimdLimiter {
  private window: number;
  private lastDecreaseAt = -Infinity;
  inFlight = 0;

  constructor(readonly max: number) {
    this.window = max;
  }

  get limit(): number {
    return Math.max(1, Math.floor(this.window));
  }

  get free(): number {
    return this.limit - this.inFlight;
  }

  onSuccess(): void {
    if (this.window < this.max) this.window = Math.min(this.max, this.window + 1 / this.window);
  }

  onOverload(requestStartedAt: number, now: number): void {
    if (requestStartedAt < this.lastDecreaseAt) return;
    this.window = Math.max(1, this.window / 2);
    this.lastDecreaseAt = now;
  }
}
