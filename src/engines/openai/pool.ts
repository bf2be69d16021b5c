import { setTimeout as sleep } from 'node:timers/promises';
import type { Endpoint } from './endpoint.js';
import { RequestFailedError, EndpointUnusableError, classifyFailure, rootCause } from './errors.js';

export interface CallOptions {
  signal?: AbortSignal;
  /** What the request is, for error messages ("chat", "score" …). */
  what: string;
}

/** Requests in a row refused after all their retries before the server is taken as gone. */
const SERVER_GONE_AFTER = 3;

/**
 * How long a server that has answered may refuse connections before requests spend their
 * retries: a restart (serve, llama.cpp, a proxy) is over in a second or two, and waiting for it
 * writes no error row. A server that never answered fails at once.
 */
const RESTART_GRACE_MS = 10_000;
/** A replica that refused a connection is passed over this long while another has room. */
const REFUSED_PAUSE_MS = 1_000;

/**
 * The replicas of one model sharing its work. A request goes to the replica with the most free
 * room under its AIMD window, waits when all are full, and is retried (on any replica) after a
 * retryable failure, honouring Retry-After, up to `retries` times.
 */

export class EndpointPool {
  private readonly waiting: Array<() => void> = [];
  /** Requests in a row that failed for good with the connection refused. */
  private refusedInARow = 0;
  /** This pool's own requests in flight (a shared limiter also counts other entries'). */
  private active = 0;
  /** Replicas that refused a request in a way every request would be (the key, an unserved model): the others carry on. */
  private readonly unusable = new Set<Endpoint>();
  /** When each replica last refused a connection. */
  private readonly refusedAt = new Map<Endpoint, number>();
  /** Whether any request has succeeded: only a server that answered can be restarting. */
  private answered = false;
  /** When the refusals began, since the last request that succeeded. */
  private refusingSince: number | null = null;
  private readonly unsubscribe: Array<() => void>;

  constructor(
    readonly endpoints: Endpoint[],
    private readonly retries: number,
    private readonly apiKeyEnv?: string,
  ) {
    // A slot freed by another entry on the same server wakes this pool's waiters too.
    this.unsubscribe = endpoints.map((e) => e.limiter.onFree(() => this.wake()));
  }

  get inFlight(): number {
    return this.active;
  }

  /** The usable replica with the most free room; one that just refused a connection only when no other has room (it may be the only one). */
  private pickFree(): Endpoint | undefined {
    const now = performance.now();
    let best: Endpoint | undefined;
    let bestPaused: Endpoint | undefined;
    for (const e of this.endpoints) {
      if (e.limiter.free <= 0 || this.unusable.has(e)) continue;
      if (now - (this.refusedAt.get(e) ?? -Infinity) < REFUSED_PAUSE_MS) {
        if (!bestPaused || e.limiter.free > bestPaused.limiter.free) bestPaused = e;
      } else if (!best || e.limiter.free > best.limiter.free) best = e;
    }
    return best ?? bestPaused;
  }

  private async acquire(signal?: AbortSignal): Promise<Endpoint> {
    for (;;) {
      signal?.throwIfAborted();
      const endpoint = this.pickFree();
      if (endpoint) {
        endpoint.limiter.take();
        this.active++;
        return endpoint;
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.waiting.push(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  private release(endpoint: Endpoint): void {
    this.active--;
    endpoint.limiter.give();
  }

  /** Wake as many waiters as there is room (the window may have grown). */
  private wake(): void {
    if (this.waiting.length === 0) return;
    let room = this.endpoints.reduce((sum, e) => sum + Math.max(0, e.limiter.free), 0);
    while (room-- > 0 && this.waiting.length) this.waiting.shift()!();
  }

  async call<T>(fn: (endpoint: Endpoint) => Promise<T>, opts: CallOptions): Promise<T> {
    // Counts the attempts that spend the retry budget: waiting out a restart does not.
    let attempt = 0;
    for (;;) {
      const endpoint = await this.acquire(opts.signal);
      const startedAt = performance.now();
      let delayMs: number;
      try {
        const result = await fn(endpoint);
        endpoint.limiter.onSuccess();
        this.refusedInARow = 0;
        this.answered = true;
        this.refusingSince = null;
        return result;
      } catch (err) {
        if (opts.signal?.aborted) throw opts.signal.reason ?? err;
        const failure = classifyFailure(err, this.apiKeyEnv);
        const now = performance.now();
        if (failure.overload) endpoint.limiter.onOverload(startedAt, now);
        if (failure.unusable && this.endpoints.some((e) => e !== endpoint && !this.unusable.has(e))) {
          // Another replica may still serve it (one restarted without the model, say): send it there.
          this.unusable.add(endpoint);
          continue;
        }
        const refused = rootCause(err).code === 'ECONNREFUSED';
        if (refused) {
          this.refusedAt.set(endpoint, now);
          this.refusingSince ??= now;
        }
        if (refused && this.answered && now - (this.refusingSince ?? now) < RESTART_GRACE_MS) {
          // A server that answered and now refuses is likely restarting: wait for it, keeping the retries.
          delayMs = REFUSED_PAUSE_MS * (0.5 + Math.random() / 2);
        } else {
          const tries = ++attempt;
          if (!failure.retryable || tries > this.retries) {
            const after = tries > 1 ? ` after ${tries} attempts` : '';
            this.refusedInARow = refused ? this.refusedInARow + 1 : 0;
            if (this.refusedInARow >= SERVER_GONE_AFTER) {
              throw new EndpointUnusableError(
                `nothing is listening at ${endpoint.baseUrl} any more: ${this.refusedInARow} requests in a row were refused${after} (the last: ${opts.what}) — start the server again, then run the session with --retry-errors to resume`,
              );
            }
            throw new RequestFailedError(`${opts.what} at ${endpoint.baseUrl} failed${after}: ${failure.message}`, failure, tries, err);
          }
          // Exponential back-off with jitter (timing only: never changes what is generated).
          const backoff = Math.min(8_000, 250 * 2 ** (tries - 1)) * (0.5 + Math.random() / 2);
          delayMs = Math.max(backoff, failure.retryAfterMs ?? 0);
        }
      } finally {
        this.release(endpoint);
      }
      await sleep(delayMs, undefined, { signal: opts.signal });
    }
  }

  async close(): Promise<void> {
    for (const stop of this.unsubscribe) stop();
    await Promise.all(this.endpoints.map((e) => e.close()));
  }
}
