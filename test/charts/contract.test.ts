/**
 * Every chart, at every pane size from 1×1 to 200×60, in colour, plain and ASCII mode, must
 * fit its pane; ASCII mode must be pure printable ASCII; colour off must emit no escape.
 */
import { describe, expect, it } from 'vitest';
import {
  barChart,
  heapsChart,
  heatGrid,
  heatGrids,
  lineChart,
  lossChart,
  sparkline,
  type ChartOptions,
} from '../../src/charts/index.js';
import { barRows, evalLoss, expectFits, expectPlainAscii, heapsObserved, HEIGHTS, ratings, train, WIDTHS } from './fixtures.js';

const charts: Record<string, (o: ChartOptions) => string> = {
  loss: (o) => lossChart(train, evalLoss, { ...o, title: 'loss · multi' }),
  heaps: (o) => heapsChart(heapsObserved, { k: 9.5, beta: 0.62, r2: 0.999 }, o),
  lines: (o) =>
    lineChart(
      [
        { name: 'tokens/s 単位', points: [5, 9, null, 12, NaN, 14, 13, 15] },
        { name: 'ref', points: [{ x: 3, y: 2 }, { x: 30, y: 40 }] },
      ],
      { ...o, yUnit: ' t/s', xLabel: 'batch' },
    ),
  bars: (o) => barChart(barRows, { ...o, title: 'SPB', order: 'descending' }),
  heatGrid: (o) => heatGrid(ratings, o),
  heatGrids: (o) => heatGrids([ratings, { ...ratings, label: 'single' }, { ...ratings, label: 'human' }], { ...o, title: 'AdvBench' }),
  sparkline: (o) => sparkline([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4], o),
};

describe.each(Object.entries(charts))('%s', (_name, draw) => {
  it('fits every pane size, in every mode', () => {
    for (const width of WIDTHS) {
      for (const height of HEIGHTS) {
        for (const mode of [{}, { color: true }, { ascii: true }, { ascii: true, color: true }]) {
          const out = draw({ width, height, ...mode });
          expectFits(out, width, height, `${width}x${height} ${JSON.stringify(mode)}`);
        }
      }
    }
  });

  it('uses only printable ASCII in ascii mode', () => {
    for (const [width, height] of [[10, 3], [40, 12], [80, 24], [200, 60]]) {
      expectPlainAscii(draw({ width, height, ascii: true }), `${width}x${height}`);
    }
  });

  it('emits escape codes only when colour is on', () => {
    expect(draw({ width: 80, height: 24 })).not.toContain('\x1b');
    expect(draw({ width: 80, height: 24, ascii: true })).not.toContain('\x1b');
    expect(draw({ width: 80, height: 24, color: true })).toContain('\x1b[');
  });

  it('still says something in a 10×3 pane', () => {
    expect(draw({ width: 10, height: 3 }).trim()).not.toBe('');
  });
});
