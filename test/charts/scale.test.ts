import { describe, expect, it } from 'vitest';
import { cellOf, scaleOf, ticks } from '../../src/charts/scale.js';

describe('scales', () => {
  it('spans the finite values, positive ones on a log scale', () => {
    expect(scaleOf([3, NaN, -1, 7], false)).toEqual({ min: -1, max: 7, log: false });
    expect(scaleOf([0, -2, 10, 1000], true)).toEqual({ min: 10, max: 1000, log: true });
    expect(scaleOf([NaN], false)).toBeNull();
  });
  it('widens a single value into a range', () => {
    const s = scaleOf([5, 5], false);
    expect(s && s.min < 5 && s.max > 5).toBe(true);
  });
  it('ticks at round steps, or decades on a log scale', () => {
    expect(ticks({ min: 0, max: 10, log: false }, 6)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks({ min: 0.3, max: 1.4, log: false }, 4)).toEqual([0.5, 1]);
    expect(ticks({ min: 1.4, max: 5.5, log: false }, 5)).toEqual([2, 3, 4, 5]);
    expect(ticks({ min: 1, max: 1000, log: true }, 4)).toEqual([1, 10, 100, 1000]);
    expect(ticks({ min: 1, max: 1e6, log: true }, 4)).toEqual([1, 100, 10000, 1e6]);
  });
  it('places values at cell centres, evenly in log space on a log scale', () => {
    expect(cellOf({ min: 0, max: 10, log: false }, 5, 11)).toBe(5);
    expect([1, 10, 100, 1000].map((v) => cellOf({ min: 1, max: 1000, log: true }, v, 31))).toEqual([0, 10, 20, 30]);
    expect(cellOf({ min: 0, max: 10, log: false }, 99, 11)).toBe(10);
  });
});
