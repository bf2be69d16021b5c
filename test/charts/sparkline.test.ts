import { describe, expect, it } from 'vitest';
import { sparkline } from '../../src/charts/sparkline.js';

const ramp = [0, 1, 2, 3, 4, 5, 6, 7];

describe('sparkline', () => {
  it('maps the range onto the eight block heights', () => {
    expect(sparkline(ramp, { width: 8 })).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline(ramp, { width: 8, ascii: true })).toBe('_.-~=+*#');
  });
  it('shows the last `width` points, scaled to what is visible', () => {
    expect(sparkline(ramp, { width: 4 })).toBe('▁▃▆█');
  });
  it('keeps its width with few points, newest at the right', () => {
    expect(sparkline([1, 2], { width: 4 })).toBe('  ▁█');
    expect(sparkline([], { width: 3 })).toBe('   ');
  });
  it('draws a flat series mid-height and gaps as blanks', () => {
    expect(sparkline([5, 5, 5], { width: 3 })).toBe('▄▄▄');
    expect(sparkline([1, null, NaN, 2], { width: 4 })).toBe('▁  █');
  });
  it('clamps to a fixed range', () => {
    expect(sparkline([0, 50, 100], { width: 3, min: 0, max: 50 })).toBe('▁██');
    expect(sparkline([-5, 0], { width: 2, min: 0, max: 10 })).toBe('▁▁');
  });
  it('colours only when asked', () => {
    expect(sparkline(ramp, { width: 8, color: true })).toMatch(/^\x1b\[[0-9;]+m▁▂▃▄▅▆▇█\x1b\[0m$/);
  });
});
