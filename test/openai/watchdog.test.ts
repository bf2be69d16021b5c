import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { StallError } from '../../src/engines/openai/errors.js';
import { Watchdog } from '../../src/engines/openai/watchdog.js';

/**
 * The watchdogs in flight share one timer and one listener per caller signal: each still cuts
 * its own request at its own deadline, and a caller's cancel reaches every one of them. Each
 * aborts its request's own controller, bound as the request is sent (WatchedOpenAI does that).
 */

const limits = (firstTokenMs: number, idleMs = 10_000, totalMs = 10_000) => ({ firstTokenMs, idleMs, totalMs });

/** A watchdog with its request sent at once, under the controller the SDK would make. */
class Sent extends Watchdog {
  readonly request = new AbortController();
  constructor(...args: ConstructorParameters<typeof Watchdog>) {
    super(...args);
    this.bind(this.request);
  }
  get signal(): AbortSignal {
    return this.request.signal;
  }
}

const stallOf = (w: Watchdog) => w.explain(new Error('aborted')) as StallError;
const aborted = (w: Sent) => (w.signal.aborted ? Promise.resolve() : new Promise((resolve) => w.signal.addEventListener('abort', resolve, { once: true })));

describe('Watchdog', () => {
  it('cuts each request at its own first-token deadline, the later ones after the earliest has fired', async () => {
    const started = performance.now();
    const long = new Sent(limits(300));
    const short = new Sent(limits(30));
    const fresh = new Sent(limits(10_000));
    try {
      await aborted(short);
      expect(performance.now() - started).toBeGreaterThanOrEqual(29);
      expect(stallOf(short).phase).toBe('first-token');
      expect(short.signal.reason).toBe(stallOf(short));
      await aborted(long);
      expect(performance.now() - started).toBeGreaterThanOrEqual(299);
      expect(stallOf(long).phase).toBe('first-token');
      expect(fresh.signal.aborted).toBe(false);
    } finally {
      for (const w of [long, short, fresh]) w.dispose();
    }
  });

  it('gives way to the idle limit after the first chunk, and chunks keep it alive', async () => {
    const w = new Sent(limits(10_000, 300));
    try {
      w.touch();
      let last = performance.now();
      for (let i = 0; i < 4; i++) {
        await sleep(20);
        if (w.signal.aborted) break;
        w.touch();
        last = performance.now();
      }
      await aborted(w);
      expect(performance.now() - last).toBeGreaterThanOrEqual(299);
      expect(stallOf(w).phase).toBe('idle');
    } finally {
      w.dispose();
    }
  });

  it('passes a caller cancel to every request following it, and a finished one is left alone', async () => {
    const caller = new AbortController();
    const done = new Sent(limits(10_000), caller.signal);
    const a = new Sent(limits(10_000), caller.signal);
    const b = new Sent(limits(10_000), caller.signal);
    done.dispose();
    const reason = new Error('cancelled');
    caller.abort(reason);
    expect(a.signal.aborted && b.signal.aborted).toBe(true);
    expect(a.signal.reason).toBe(reason);
    expect(a.explain(reason)).toBe(reason);
    expect(done.signal.aborted).toBe(false);
    a.dispose();
    b.dispose();
    // A caller already cancelled aborts a new watchdog at once.
    expect(new Sent(limits(10_000), caller.signal).signal.aborted).toBe(true);
  });

  it('follows a caller signal again after every earlier follower finished', () => {
    const caller = new AbortController();
    new Sent(limits(10_000), caller.signal).dispose();
    const later = new Sent(limits(10_000), caller.signal);
    caller.abort();
    expect(later.signal.aborted).toBe(true);
    later.dispose();
  });

  it('stops a request that stalled or was cancelled before it was sent as soon as it is', async () => {
    const stalled = new Watchdog(limits(20));
    const caller = new AbortController();
    const cancelled = new Watchdog(limits(10_000), caller.signal);
    const reason = new Error('cancelled');
    caller.abort(reason);
    await sleep(60); // the 20 ms deadline's timer fires first
    expect(stalled.aborted && cancelled.aborted).toBe(true);
    const [a, b] = [new AbortController(), new AbortController()];
    stalled.bind(a);
    cancelled.bind(b);
    expect(a.signal.reason).toBe(stallOf(stalled));
    expect(stallOf(stalled).phase).toBe('first-token');
    expect(b.signal.reason).toBe(reason);
    stalled.dispose();
    cancelled.dispose();
  });
});
