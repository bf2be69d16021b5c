/**
 * Many concurrent producers, one async-generator consumer: a step's workers push events here
 * and the step yields them in arrival order.
 */
export class EventChannel<T> {
  private readonly queue: T[] = [];
  private wake: (() => void) | null = null;
  private closed = false;

  push(item: T): void {
    this.queue.push(item);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *drain(): AsyncGenerator<T> {
    for (;;) {
      while (this.queue.length) yield this.queue.shift()!;
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }
}

/**
 * The events that `work` pushes, yielded as they come, then its result. A consumer that stops
 * reading early still returns only once the work has settled, so nothing it started is left
 * running behind its back (a trainer still writing its checkpoint).
 */
export async function* eventsUntilSettled<E, T>(work: (push: (event: E) => void) => Promise<T>): AsyncGenerator<E, T> {
  const channel = new EventChannel<E>();
  const settled = work((event) => channel.push(event)).finally(() => channel.close());
  try {
    yield* channel.drain();
  } finally {
    await settled.catch(() => {});
  }
  return await settled;
}
