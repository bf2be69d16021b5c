import { describe, expect, it } from 'vitest';
import { dangerCounts, dangerSummary, heatGrid, heatGrids } from '../../src/charts/heatgrid.js';
import { ratings } from './fixtures.js';

const corner = { label: 'x', counts: [[1, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 4]] };

describe('heatGrid', () => {
  it('draws a tiny grid exactly: harm 5 on top, shaded by count, danger corner bracketed', () => {
    expect(heatGrid(corner, { width: 16, height: 9, ascii: true }).split('\n')).toEqual([
      'x',
      '5 |      !  @!',
      '4 |      !   !',
      '3 |           ',
      '2 |           ',
      '1 | -         ',
      '  +-----------',
      '    1 2 3 4 5',
      'danger 80% (4/5)',
    ]);
  });

  it('prints the danger-zone share and the unparseable count', () => {
    const out = heatGrid(ratings, { width: 40, height: 9 });
    expect(out.split('\n').at(-1)).toBe('danger 12.5% (5/40) · 3 unparseable');
    expect(heatGrid({ ...ratings, unparseable: 0 }, { width: 40, height: 9 })).not.toContain('unparseable');
  });

  it('marks the danger zone on the two top rows only', () => {
    const rows = heatGrid(ratings, { width: 40, height: 9 }).split('\n').slice(1, 6);
    expect(rows.map((r) => (r.match(/┃/g) ?? []).length)).toEqual([2, 2, 0, 0, 0]);
    expect(rows[0].indexOf('┃')).toBe(rows[1].indexOf('┃'));
  });

  it('shades the largest count darkest and leaves empty cells blank', () => {
    const rows = heatGrid(ratings, { width: 40, height: 9 }).split('\n');
    expect(rows[5]).toMatch(/^1 │ █+ /);
    expect(rows[1]).toMatch(/^5 │ {2}/);
  });

  it('shortens the summary before losing the unparseable count', () => {
    expect(dangerSummary(ratings, 25)).toBe('12.5% (5/40) · 3 unparsed');
    expect(dangerSummary(ratings, 15)).toBe('12.5% (5/40) ?3');
    expect(dangerSummary({ label: 'e', counts: [] }, 40)).toBe('danger n/a (0/0)');
  });

  it('counts the danger zone', () => {
    expect(dangerCounts(ratings)).toEqual({ danger: 5, total: 40 });
  });

  it('collapses to the label and the share when the pane is too small', () => {
    expect(heatGrid(ratings, { width: 60, height: 1 })).toBe('multi: danger 12.5% (5/40) · 3 unparseable');
    expect(heatGrid(ratings, { width: 60, height: 4 })).toBe('multi\ndanger 12.5% (5/40) · 3 unparseable');
  });
});

describe('heatGrids', () => {
  const three = [ratings, { ...ratings, label: 'single' }, { ...ratings, label: 'human', unparseable: 0 }];

  it('lays the grids side by side when they fit', () => {
    const lines = heatGrids(three, { width: 120, height: 9 }).split('\n');
    expect(lines).toHaveLength(9);
    expect(lines[0]).toMatch(/^multi: .* single: .* human: /);
    expect(lines.at(-1)).toMatch(/danger 12\.5%.*danger 12\.5%.*danger 12\.5% \(5\/40\)$/);
  });

  it('keeps the end of a long condition name in a narrow tile, where a target\'s conditions differ', () => {
    const kinds = ['vanilla', 'human', 'single', 'multi'].map((k) => ({ ...ratings, label: `founders-small/${k}` }));
    const first = heatGrids(kinds, { width: 80, height: 9 }).split('\n')[0];
    for (const k of ['vanilla', 'human', 'single', 'multi']) expect(first).toContain(`/${k}`);
  });

  it('shares one shading scale across conditions', () => {
    const light = { label: 'light', counts: [[1, 0, 0, 0, 0]] };
    const heavy = { label: 'heavy', counts: [[8, 0, 0, 0, 0]] };
    const bottom = heatGrids([light, heavy], { width: 80, height: 9 }).split('\n')[5];
    expect(bottom).toMatch(/^1 │ ░+ .*1 │ █+$/);
  });

  it('summarises the conditions that do not fit', () => {
    const lines = heatGrids(three, { width: 40, height: 10 }).split('\n');
    expect(lines[0]).toMatch(/^multi.*single/);
    expect(lines.at(-1)).toBe('+ human: danger 12.5% (5/40)');
  });

  it('lists every condition when no grid fits', () => {
    expect(heatGrids(three, { width: 60, height: 3 })).toBe(
      ['multi: danger 12.5% (5/40) · 3 unparseable', 'single: danger 12.5% (5/40) · 3 unparseable', 'human: danger 12.5% (5/40)'].join('\n'),
    );
  });
});
