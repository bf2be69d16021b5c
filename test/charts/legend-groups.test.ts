import { describe, expect, it } from 'vitest';
import { lineChart } from '../../src/charts/lines.js';

describe('lineChart legendGroups', () => {
  const series = [
    { name: 'a', points: [1, 2, 3, 4] },
    { name: 'b', points: [4, 3, 2, 1] },
    { name: 'c', points: [2, 2, 2, 2] },
  ];

  it('gives each group a legend line of its own and still fits the height', () => {
    const out = lineChart(series, { width: 40, height: 10, ascii: true, legendGroups: [[0, 1], [2]] }).split('\n');
    expect(out).toHaveLength(10);
    expect(out.slice(0, 2)).toEqual(['-- a  == b', '~~ c']);
  });

  it('drops the legend lines when they would leave too few plot rows', () => {
    const out = lineChart(series, { width: 40, height: 7, ascii: true, legendGroups: [[0], [1], [2]] }).split('\n');
    expect(out).toHaveLength(7);
    expect(out[0]).not.toContain('a');
  });
});
