import { describe, expect, it } from 'vitest';
import { curvePoints, heapsLogLog, heapsPaper, vocabularyCurve } from '../../src/metrics/heaps.js';

/** A stream whose vocabulary after n tokens is exactly round(K·n^β): a new word whenever the target grows. */
function powerLawStream(n: number, k: number, beta: number): string[] {
  const out: string[] = [];
  let types = 0;
  for (let i = 1; i <= n; i++) {
    const target = Math.max(1, Math.round(k * i ** beta));
    if (target > types) out.push(`w${types++}`);
    else out.push('w0');
  }
  return out;
}

describe('vocabulary curve', () => {
  it('counts distinct tokens of every prefix', () => {
    expect(Array.from(vocabularyCurve(['a', 'b', 'a', 'c']))).toEqual([1, 2, 2, 3]);
    expect(vocabularyCurve([]).length).toBe(0);
  });
  it('downsamples to log-spaced chart points including both ends', () => {
    const pts = curvePoints(vocabularyCurve(powerLawStream(100000, 5, 0.6)), 50);
    expect(pts[0]).toEqual({ n: 1, v: 1 });
    expect(pts.at(-1)!.n).toBe(100000);
    expect(pts.length).toBeLessThanOrEqual(52);
  });
});

describe("Heaps' law", () => {
  const curve = vocabularyCurve(powerLawStream(200000, 7, 0.55));
  it("recovers K and β with the paper's recipe (every 1000 tokens, nonlinear LS)", () => {
    const fit = heapsPaper(curve).value!;
    expect(fit.points).toBe(200);
    expect(fit.k).toBeCloseTo(7, 1);
    expect(fit.beta).toBeCloseTo(0.55, 3);
    expect(fit.r2).toBeGreaterThan(0.99999);
  });
  it('recovers them by log-log least squares over every prefix', () => {
    const fit = heapsLogLog(curve).value!;
    expect(fit.beta).toBeCloseTo(0.55, 2);
    expect(fit.k).toBeCloseTo(7, 0);
    expect(fit.r2).toBeGreaterThan(0.999);
  });
  it('lands on the least-squares minimum in V space (what scipy curve_fit returns)', () => {
    // A noisy stream: words drawn from a Zipf-like sampler.
    let seed = 1;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const stream = Array.from({ length: 30000 }, () => `w${Math.floor(1 / (rand() + 1e-4))}`);
    const c = vocabularyCurve(stream);
    const fit = heapsPaper(c).value!;
    const sse = (k: number, b: number) => {
      let s = 0;
      for (let i = 1; i <= 30; i++) s += (c[i * 1000 - 1] - k * (i * 1000) ** b) ** 2;
      return s;
    };
    const best = sse(fit.k, fit.beta);
    for (const [dk, db] of [[1e-4, 0], [-1e-4, 0], [0, 1e-6], [0, -1e-6], [1e-4, -1e-6]]) {
      expect(sse(fit.k * (1 + dk), fit.beta + db)).toBeGreaterThanOrEqual(best);
    }
  });
  it('is undefined with too few tokens', () => {
    expect(heapsPaper(vocabularyCurve(powerLawStream(1999, 5, 0.6))).reason).toContain('2000 tokens');
    expect(heapsLogLog(vocabularyCurve(['one'])).value).toBeNull();
  });
});
