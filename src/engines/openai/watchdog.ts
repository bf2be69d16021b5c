import OpenAI from 'openai';
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

/** Where a request's options carry its watchdog to `WatchedOpenAI` (the SDK copies fetchOptions into the fetch's init). */
const WATCHDOG = Symbol('baskets.watchdog');

/**
 * Aborts a streamed request that stalls: no first chunk within `firstTokenMs`, then no chunk
 * for `idleMs`, or not done within `totalMs`. The SDK's own timeout stops at the response
 * headers, so one stalled stream would otherwise hold its slot for the whole total. `touch()`
 * on every chunk; the caller's signal aborts it too.
 *
 * Hundreds of requests stream at once, so the per-request part is kept small: every watchdog
 * in flight shares one timer, armed for the earliest deadline among them (`deadlines`), and
 * every watchdog following one caller signal shares one listener on it (`followers`). It
 * aborts the SDK's own AbortController for the request, which `WatchedOpenAI` hands it as the
 * request is sent (before the headers, which is when the SDK would expose it): a controller and
 * a signal of its own, with the SDK's listener on it, were 3–5% of a streamed answer's CPU.
 */
export class Watchdog {
  /** The SDK's controller of this request, once the request is being sent. */
  private controller: AbortController | null = null;
  /** Why the request must stop, when that was decided before it was sent. */
  private abortedFor: { reason: unknown } | null = null;
  private readonly startedAt = performance.now();
  private lastChunk: number | null = null;
  private stall: StallError | null = null;
  /** When the next check is due (the nearest deadline when it was last computed). */
  dueAt: number;

  constructor(
    private readonly timeouts: StreamTimeouts,
    private readonly parent?: AbortSignal,
  ) {
    this.dueAt = this.startedAt + Math.min(timeouts.firstTokenMs, timeouts.totalMs);
    if (parent?.aborted) {
      this.abort(parent.reason);
      return;
    }
    if (parent) followers.add(parent, this);
    deadlines.add(this);
  }

  /** The SDK request options that put the request under this watchdog (on a `WatchedOpenAI`). */
  get requestOptions(): { fetchOptions: Record<symbol, Watchdog> } {
    return { fetchOptions: { [WATCHDOG]: this } };
  }

  /** The request is being sent under `controller`: a stop already decided takes effect now. */
  bind(controller: AbortController): void {
    this.controller = controller;
    if (this.abortedFor) controller.abort(this.abortedFor.reason);
  }

  /** Whether the watchdog has stopped its request (a stall or the caller's cancel). */
  get aborted(): boolean {
    return this.abortedFor !== null;
  }

  private abort(reason: unknown): void {
    if (this.abortedFor) return;
    this.abortedFor = { reason };
    this.controller?.abort(reason);
  }

  /** Called per chunk, so it only notes the time; the shared timer finds a passed deadline. */
  touch(): void {
    const first = this.lastChunk === null;
    this.lastChunk = performance.now();
    if (first) {
      // The first-token deadline gives way to the (usually shorter) gap between tokens.
      this.dueAt = this.nextDeadline().at;
      deadlines.due(this);
    }
  }

  /** The nearest deadline and what passing it means, with the current phase's limit. */
  private nextDeadline(): { at: number; phase: StallPhase; ms: number } {
    const { firstTokenMs, idleMs, totalMs } = this.timeouts;
    const total = { at: this.startedAt + totalMs, phase: 'total' as const, ms: totalMs };
    const chunk = this.lastChunk === null ? { at: this.startedAt + firstTokenMs, phase: 'first-token' as const, ms: firstTokenMs } : { at: this.lastChunk + idleMs, phase: 'idle' as const, ms: idleMs };
    return chunk.at < total.at ? chunk : total;
  }

  /** Abort when a deadline has passed (true); else note when to look again. */
  check(now: number): boolean {
    const deadline = this.nextDeadline();
    if (deadline.at > now) {
      this.dueAt = deadline.at;
      return false;
    }
    this.stall = new StallError(deadline.ms, deadline.phase);
    this.dispose();
    this.abort(this.stall);
    return true;
  }

  /** The caller's signal aborted. */
  follow(reason: unknown): void {
    deadlines.delete(this);
    this.abort(reason);
  }

  /**
   * The error to throw: the StallError when the watchdog fired; the caller's reason when it
   * cancelled (the SDK reports an abort of its own controller as a connection timeout); else
   * the original one.
   */
  explain(err: unknown): unknown {
    if (this.parent?.aborted) return this.parent.reason ?? err;
    return this.stall ?? err;
  }

  dispose(): void {
    deadlines.delete(this);
    if (this.parent) followers.delete(this.parent, this);
  }
}

/**
 * The SDK client whose requests can run under a `Watchdog` (`watchdog.requestOptions`): it
 * hands the watchdog the SDK's own AbortController of each request as the request is sent.
 */
export class WatchedOpenAI extends OpenAI {
  override fetchWithTimeout(...args: Parameters<OpenAI['fetchWithTimeout']>): ReturnType<OpenAI['fetchWithTimeout']> {
    const [, init, , controller] = args;
    (init as Record<symbol, Watchdog | undefined> | undefined)?.[WATCHDOG]?.bind(controller);
    return super.fetchWithTimeout(...args);
  }
}

/**
 * The watchdogs in flight and one timer for all of them, armed at the earliest `dueAt`. A
 * deadline only moves later as chunks arrive, so the timer is re-armed only when a watchdog
 * falls due before it (a first chunk moving a long first-token limit to a short idle one) or
 * when it fires; a finished request just leaves the set.
 */
const deadlines = new (class {
  private readonly active = new Set<Watchdog>();
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;

  add(w: Watchdog): void {
    this.active.add(w);
    this.due(w);
  }

  /** `w` is due at its `dueAt`: make sure the timer fires by then (unless it has stopped watching). */
  due(w: Watchdog): void {
    if (w.dueAt < this.armedAt && this.active.has(w)) this.arm(w.dueAt);
  }

  delete(w: Watchdog): void {
    this.active.delete(w);
    if (this.active.size === 0) this.disarm();
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - performance.now()));
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Infinity;
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const w of [...this.active]) {
      if (w.dueAt <= now && w.check(now)) continue;
      next = Math.min(next, w.dueAt);
    }
    if (next < Infinity && this.active.size > 0) this.arm(next);
  }
})();

/** One abort listener per caller signal, passing its abort to every watchdog that follows it. */
const followers = new (class {
  private readonly bySignal = new Map<AbortSignal, { watchdogs: Set<Watchdog>; onAbort: () => void }>();

  add(signal: AbortSignal, w: Watchdog): void {
    let entry = this.bySignal.get(signal);
    if (!entry) {
      const watchdogs = new Set<Watchdog>();
      const onAbort = () => {
        this.bySignal.delete(signal);
        for (const follower of watchdogs) follower.follow(signal.reason);
      };
      entry = { watchdogs, onAbort };
      this.bySignal.set(signal, entry);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    entry.watchdogs.add(w);
  }

  delete(signal: AbortSignal, w: Watchdog): void {
    const entry = this.bySignal.get(signal);
    if (!entry || !entry.watchdogs.delete(w) || entry.watchdogs.size > 0) return;
    this.bySignal.delete(signal);
    signal.removeEventListener('abort', entry.onAbort);
  }
})();
