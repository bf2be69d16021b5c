/** Tokens per second over the last few seconds, from streamed deltas (one-second buckets). */
export class TokenRate {
  private readonly buckets = new Map<number, number>();
  /** The second deltas last landed in and its count so far (not yet in `buckets`): a delta per streamed token mostly lands there. */
  private second = NaN;
  private count = 0;

  constructor(
    private readonly now: () => number,
    private readonly windowS = 5,
  ) {}

  add(tokens: number): void {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.second) {
      this.settle();
      this.second = second;
      this.count = this.buckets.get(second) ?? 0;
    }
    this.count += tokens;
  }

  /** The current second's count into its bucket. */
  private settle(): void {
    if (!Number.isNaN(this.second)) this.buckets.set(this.second, this.count);
  }

  perSecond(): number {
    this.settle();
    const current = Math.floor(this.now() / 1000);
    let sum = 0;
    for (const [second, tokens] of this.buckets) {
      if (second <= current - this.windowS) {
        this.buckets.delete(second);
        if (second === this.second) this.second = NaN;
      } else sum += tokens;
    }
    return Math.round(sum / this.windowS);
  }
}
