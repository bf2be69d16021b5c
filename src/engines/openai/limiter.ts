/**
 * Additive-increase / multiplicative-decrease concurrency for one server: an overload (429,
 * 503, 504, a stall) halves the window, each success grows it by 1/window (about +1 per round trip),
 * never past the configured limit. A decrease counts once per window: failures of requests
 * sent before the last decrease are echoes of the same congestion, not new evidence.
 * Several pools may share one limiter (model entries served by one process), so a released
 * slot is announced to every one of them.
 */
export class AimdLimiter {
  private window: number;
  private ceiling: number;
  private lastDecreaseAt = -Infinity;
  private readonly listeners = new Set<() => void>();
  inFlight = 0;

  constructor(max: number) {
    this.ceiling = max;
    this.window = max;
  }

  /** The configured limit (the smallest one, when entries share this limiter). */
  get max(): number {
    return this.ceiling;
  }

  get limit(): number {
    return Math.max(1, Math.floor(this.window));
  }

  get free(): number {
    return this.limit - this.inFlight;
  }

  /** Another entry on the same server with a smaller limit: the smaller one wins. */
  capAt(max: number): void {
    this.ceiling = Math.min(this.ceiling, max);
    this.window = Math.min(this.window, this.ceiling);
  }

  take(): void {
    this.inFlight++;
  }

  /** A request finished: every pool waiting on this limiter may now send. */
  give(): void {
    this.inFlight--;
    for (const listener of this.listeners) listener();
  }

  /** Be told when a slot frees up; returns the unsubscribe. */
  onFree(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onSuccess(): void {
    if (this.window < this.ceiling) this.window = Math.min(this.ceiling, this.window + 1 / this.window);
  }

  onOverload(requestStartedAt: number, now: number): void {
    if (requestStartedAt < this.lastDecreaseAt) return;
    this.window = Math.max(1, this.window / 2);
    this.lastDecreaseAt = now;
  }
}

const shared = new Map<string, { limiter: AimdLimiter; users: number }>();

/**
 * The one limiter of a base URL, for every model entry that sends to it: Ollama or LM Studio
 * serving several models from one process overloads as one server, whatever the entries say.
 * The smallest configured limit among the entries open at once wins. `release` when done;
 * the last release forgets the server, so a later study starts from its own limits.
 */
export function borrowLimiter(baseUrl: string, concurrency: number): { limiter: AimdLimiter; release(): void } {
  let entry = shared.get(baseUrl);
  if (entry) entry.limiter.capAt(concurrency);
  else shared.set(baseUrl, (entry = { limiter: new AimdLimiter(concurrency), users: 0 }));
  entry.users++;
  const held = entry;
  let released = false;
  return {
    limiter: held.limiter,
    release() {
      if (released) return;
      released = true;
      if (--held.users === 0 && shared.get(baseUrl) === held) shared.delete(baseUrl);
    },
  };
}
