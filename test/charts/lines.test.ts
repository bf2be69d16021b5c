import { describe, expect, it } from 'vitest';
import { heapsChart, lineChart, lossChart } from '../../src/charts/lines.js';
import { evalLoss, heapsObserved, train } from './fixtures.js';

/** Columns of the x-axis tick marks, relative to the axis corner. */
function xTickColumns(out: string, corner: string, tick: string): number[] {
  const axis = out.split('\n').find((l) => l.trimStart().startsWith(corner)) ?? '';
  const start = axis.indexOf(corner);
  return [...axis].flatMap((ch, i) => (ch === tick ? [i - start] : []));
}

describe('lineChart', () => {
  it('draws a tiny series exactly', () => {
    const out = lineChart([{ name: 'a', points: [1, 2, 3, 2] }], { width: 12, height: 5, ascii: true });
    expect(out.split('\n')).toEqual([
      '3 +     .-. ',
      '  |   .-\' `-',
      '  | .-\'     ',
      '1 +-\'       ',
      '  +---+----+',
    ]);
  });

  it('names each series in the legend with its own stroke', () => {
    const out = lineChart(
      [{ name: 'up', points: [1, 3] }, { name: 'down', points: [3, 1] }],
      { width: 30, height: 8 },
    );
    const lines = out.split('\n');
    expect(lines[0]).toBe('── up  ╌╌ down');
    expect(out).toContain('╌');
  });

  it('draws a dimmed series dotted under the others, out of the legend, leaving the others their strokes', () => {
    const out = lineChart(
      [{ name: 'context', points: [2, 2, 2], dim: true }, { name: 'up', points: [1, 3, 3] }],
      { width: 30, height: 8, ascii: true },
    );
    const lines = out.split('\n');
    // The legend names the one undimmed series, with the first stroke as if it were alone.
    expect(lines[0]).toBe('-- up');
    expect(out).toContain('.');
    expect(out).not.toContain('=');
  });

  it('labels the y axis with its unit and the x axis with its name', () => {
    const out = lineChart([{ name: 'rate', points: [{ x: 0, y: 0 }, { x: 100, y: 40 }] }], {
      width: 40,
      height: 12,
      yUnit: 's',
      xLabel: 'batch',
    });
    expect(out).toMatch(/^ *40s ┤/m);
    expect(out).toMatch(/^ *0s ┤/m);
    expect(out.split('\n').at(-1)).toMatch(/0 .*100 +batch$|0 .*batch$/);
  });

  it('leaves a gap where a value is null or NaN', () => {
    const out = lineChart([{ name: 'flat', points: [2, 2, null, 2, 2, NaN, 2] }], { width: 16, height: 6, yMin: 0, yMax: 4 });
    const strokeRow = out.split('\n').find((l) => l.includes('─') && !l.trimStart().startsWith('└')) ?? '';
    const plot = strokeRow.slice(strokeRow.search(/[┤│]/) + 1);
    expect(plot).toMatch(/^─+ +─+ +─+$/);
  });

  it('places series with different x ranges on one shared x axis', () => {
    const out = lineChart(
      [
        { name: 'long', points: [{ x: 0, y: 1 }, { x: 100, y: 1 }] },
        { name: 'late', points: [{ x: 50, y: 2 }, { x: 100, y: 2 }] },
      ],
      { width: 50, height: 8, yMin: 0, yMax: 3 },
    );
    const rows = out.split('\n');
    const lateRow = rows.find((l) => l.includes('╌╌╌')) ?? '';
    const longRow = rows.find((l) => l.includes('───')) ?? '';
    const plotStart = longRow.search(/[┤│]/) + 1;
    const plotWidth = longRow.length - plotStart;
    expect(longRow.indexOf('─') - plotStart).toBe(0);
    expect(Math.abs(lateRow.indexOf('╌') - plotStart - (plotWidth - 1) / 2)).toBeLessThanOrEqual(1);
  });

  it('puts 10, 100 and 1000 at evenly spaced columns on a log x axis', () => {
    const points = Array.from({ length: 50 }, (_, i) => ({ x: 10 ** (i / 49) * 1.5, y: i + 1 }));
    const out = lineChart([{ name: 'v', points: [{ x: 1, y: 1 }, ...points, { x: 1000, y: 60 }] }], {
      width: 60,
      height: 10,
      logX: true,
      logY: true,
    });
    const columns = xTickColumns(out, '└', '┬');
    expect(columns).toHaveLength(4);
    const gaps = columns.slice(1).map((c, i) => c - columns[i]);
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(1);
    const labels = out.split('\n').at(-1) ?? '';
    expect(labels.trim().split(/ +/)).toEqual(['1', '10', '100', '1k']);
  });

  it('shows a linear x axis unevenly for the same decades', () => {
    const out = lineChart([{ name: 'v', points: [{ x: 1, y: 1 }, { x: 10, y: 2 }, { x: 100, y: 3 }, { x: 1000, y: 4 }] }], {
      width: 60,
      height: 10,
    });
    expect(out.split('\n').at(-1)).not.toMatch(/\b10 .*\b100\b/);
  });

  it('falls back to a one-line summary in a tiny pane', () => {
    const out = lineChart([{ name: 'a', points: [1, 2, 3.25] }, { name: 'b', points: [4, null] }], { width: 20, height: 3 });
    expect(out).toBe('a 3.25  b 4');
    expect(lineChart([{ name: 'a', points: [1] }], { width: 20, height: 3, title: 'Loss' })).toBe('Loss\na 1');
  });

  it('says so when there is nothing to draw', () => {
    expect(lineChart([], { width: 20, height: 5 })).toBe('no data');
    expect(lineChart([{ name: 'a', points: [null, NaN] }], { width: 20, height: 5 })).toBe('no data');
  });
});

describe('heapsChart', () => {
  it('shows K and β in the legend, beside the observed curve', () => {
    const out = heapsChart(heapsObserved, { k: 9.5, beta: 0.62, r2: 0.9991 }, { width: 70, height: 14 });
    const legend = out.split('\n')[0];
    expect(legend).toContain('observed');
    expect(legend).toContain('K=9.5');
    expect(legend).toContain('β=0.62');
    expect(legend).toContain('R²=0.999');
    expect(out.split('\n').at(-1)).toMatch(/tokens$/);
  });

  it('spells β as beta in ASCII mode', () => {
    const out = heapsChart(heapsObserved, { k: 9.5, beta: 0.62 }, { width: 70, height: 14, ascii: true });
    expect(out.split('\n')[0]).toContain('beta=0.62');
  });

  it('summarises the last point and the fit when tiny', () => {
    const observed = [{ n: 100, v: 50 }, { n: 1000, v: 210 }];
    expect(heapsChart(observed, { k: 9.5, beta: 0.62 }, { width: 80, height: 2 })).toBe('V=210 at n=1k  K=9.5 β=0.62');
  });
});

describe('lossChart', () => {
  it('draws train and eval loss against the step', () => {
    const out = lossChart(train, evalLoss, { width: 60, height: 12 });
    expect(out.split('\n')[0]).toBe('── train  ╌╌ eval');
    expect(out.split('\n').at(-1)).toMatch(/step$/);
  });

  it('leaves eval out of the legend until there is some', () => {
    expect(lossChart(train, [], { width: 60, height: 12 }).split('\n')[0]).toBe('── train');
  });

  it('summarises the latest losses and step when tiny', () => {
    expect(lossChart([{ step: 10, loss: 2.5 }, { step: 20, loss: 2.25 }], [{ step: 20, loss: 2.4 }], { width: 40, height: 1 })).toBe(
      'train 2.25  eval 2.4 @ step 20',
    );
  });

  it('says so before the first step', () => {
    expect(lossChart([], [], { width: 40, height: 10 })).toBe('no data');
  });
});
