/** Tokens per second over the last few seconds, from streamed deltas (one-second buckets). */
export class TokenRate {
  private readonly buckets = new Map<number, number>();

  constructor(
    private readonly now: () => number,
    private readonly windowS = 5,
  ) {}

  add(tokens: number): void {
    const second = Math.floor(this.now() / 1000);
    this.buckets.set(second, (this.buckets.get(second) ?? 0) + tokens);
  }

  perSecond(): number {
    const current = Math.floor(this.now() / 1000);
    let sum = 0;
    for (const [second, tokens] of this.buckets) {
      if (second <= current - this.windowS) this.buckets.delete(second);
      else sum += tokens;
    }
    return Math.round(sum / this.windowS);
  }
}
