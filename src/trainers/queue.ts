/**
 * A push-based async queue: callbacks (process output, timers) push items, one consumer pulls
 * them with `for await`. `end()` finishes the stream after the queued items; `fail()` makes the
 * consumer throw once the queued items are drained.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private waiting: (() => void) | null = null;
  private ended = false;
  private error: Error | null = null;

  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  /** The first failure wins; later ones (an exit after a spawn error) are ignored. */
  fail(error: Error): void {
    if (this.ended) return;
    this.error = error;
    this.end();
  }

  private wake(): void {
    const resolve = this.waiting;
    this.waiting = null;
    resolve?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.ended) {
        if (this.error) throw this.error;
        return;
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }
}
