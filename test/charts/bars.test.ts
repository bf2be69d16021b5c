import { describe, expect, it } from 'vitest';
import { barChart, barColumns, zoomedDomain, type BarRow } from '../../src/charts/bars.js';
import { barRows } from './fixtures.js';

describe('barChart', () => {
  it('puts whiskers at their cells on a known scale', () => {
    const row = { label: 'a', value: 5, lo: 4, hi: 6 };
    // Domain 0–10 over 11 cells: cell k is the value k.
    expect(barChart([row], { width: 15, height: 2, domain: [0, 10] }).split('\n')).toEqual([
      'a ████├█┤     5',
      '  0        10',
    ]);
    expect(barChart([{ ...row, lo: 2, hi: 8 }], { width: 15, height: 1, domain: [0, 10], ascii: true })).toBe('a ##|###--|   5');
  });

  it('draws negative values leftwards from a zero line, with the range beneath', () => {
    const rows = [{ label: 'neg', value: -2 }, { label: 'pos', value: 4 }];
    expect(barChart(rows, { width: 17, height: 3, ascii: true }).split('\n')).toEqual([
      'neg ###:       -2',
      'pos    :###### 4',
      '    -2 0     4',
    ]);
  });

  it('zooms in where bars from zero would hide the differences, starting the axis at a round number', () => {
    const rows = [
      { label: 'single', value: 92.2, lo: 91.3, hi: 93.1 },
      { label: 'multi', value: 94.7, lo: 94.1, hi: 95.3 },
      { label: 'human', value: 96.2, lo: 95.7, hi: 96.8 },
    ];
    expect(zoomedDomain(rows)).toEqual([90, 96.8]);
    const lines = barChart(rows, { width: 40, height: 4, ascii: true, zoom: true }).split('\n');
    const barLength = (line: string) => (line.match(/#/g) ?? []).length;
    expect(lines[3]).toMatch(/^ {7}90 +96\.8$/);
    expect(barLength(lines[0])).toBeLessThan(barLength(lines[1]));
    expect(barLength(lines[1])).toBeLessThan(barLength(lines[2]));
    // Short of rows, a zoomed chart still prints its axis (and lists fewer rows); with no room for it, it does not zoom.
    const short = barChart(rows, { width: 40, height: 3, ascii: true, zoom: true }).split('\n');
    expect(short).toHaveLength(3);
    expect(short[1]).toMatch(/^\.\.\. 2 more/);
    expect(short[2]).toMatch(/^ {7}90 +96\.8$/);
    expect(barChart(rows, { width: 40, height: 1, ascii: true, zoom: true })).toBe(barChart(rows, { width: 40, height: 1, ascii: true }));
    // From zero the three bars differ by a cell or two: the reason for zooming.
    const flat = barChart(rows, { width: 40, height: 4, ascii: true }).split('\n');
    expect(barLength(flat[2]) - barLength(flat[0])).toBeLessThanOrEqual(2);
  });

  it('keeps zero where it tells: a wide range, a negative value, or a fixed domain', () => {
    expect(zoomedDomain([{ label: 'a', value: 24, lo: 20, hi: 28 }, { label: 'b', value: 103, lo: 95, hi: 112 }])).toBeUndefined();
    expect(zoomedDomain([{ label: 'a', value: 0.3 }, { label: 'b', value: -0.05 }])).toBeUndefined();
    expect(zoomedDomain([{ label: 'a', value: 5 }])).toBeUndefined();
    expect(zoomedDomain([{ label: 'a', value: 0.7, lo: 0.68, hi: 0.72 }, { label: 'b', value: 0.78 }])).toEqual([0.6, 0.78]);
    const fixed = barChart([{ label: 'a', value: 95 }, { label: 'b', value: 96 }], { width: 30, height: 3, ascii: true, zoom: true, domain: [0, 100] });
    expect(fixed.split('\n')[2]).toMatch(/^ {2}0 +100$/);
    // A given domain above zero (Compare's shared zoom) prints its axis even when rows must give way for it.
    const three = [{ label: 'a', value: 95 }, { label: 'b', value: 96 }, { label: 'c', value: 94 }];
    const above = barChart(three, { width: 30, height: 3, ascii: true, domain: [90, 97] }).split('\n');
    expect(above).toEqual([expect.stringMatching(/^a #+ +95$/), '... 2 more', expect.stringMatching(/^ {2}90 +97$/)]);
  });

  it('sorts by value when asked, rows without a value last', () => {
    const out = barChart(barRows, { width: 100, height: 20, order: 'descending' });
    const labels = out.split('\n').filter((l) => /n=/.test(l)).map((l) => l.trim().split(/ {2,}| [│├█]/)[0]);
    expect(labels.map((l) => l.trim())).toEqual(['human', 'single-source synthetic', 'vanilla', '多源 multi', 'human']);
    expect(out).toMatch(/ n\/a\b/);
  });

  it('groups rows under their target, in the order given', () => {
    const lines = barChart(barRows, { width: 80, height: 20 }).split('\n');
    expect(lines[0]).toBe('llama-3.1-8b');
    expect(lines[1]).toMatch(/^ {2}vanilla /);
    expect(lines[4]).toBe('qwen-2.5-7b');
    expect(lines[5]).toMatch(/^ {2}多源 multi /);
  });

  it('folds the group into the label when headers do not fit', () => {
    const lines = barChart(barRows, { width: 80, height: 6 }).split('\n');
    expect(lines[0]).toMatch(/^vanilla \(llama-3\.1-8b\)/);
    expect(lines).toHaveLength(6);
  });

  it('drops the start all groups share from folded labels too narrow for it, so the rows stay apart', () => {
    const rows = ['small', 'medium', 'large'].flatMap((size) => ['vanilla', 'single'].map((kind, i) => ({ label: kind, value: 1 + i, group: `founders-${size}` })));
    const labels = (width: number) => barChart(rows, { width, height: 7 }).split('\n').slice(0, 6).map((l) => l.split(/[█├┼]/)[0].trim());
    // Wide enough for the full names: kept.
    expect(labels(120)[0]).toBe('vanilla (founders-small)');
    // At 60 columns "vanilla (founders-small)" would be cut to "vanilla (found…" in every row.
    expect(labels(60)).toEqual(['vanilla (small)', 'single (small)', 'vanilla (medium)', 'single (medium)', 'vanilla (large)', 'single (large)']);
  });

  it('prints each value with the number of items it rests on', () => {
    const out = barChart(barRows, { width: 80, height: 20 });
    expect(out).toMatch(/┤ +0\.12 n=500$/m);
    expect(out).toMatch(/-0\.08 n=480$/m);
  });

  it('shortens long labels with an ellipsis', () => {
    const rows = [{ label: 'a very long condition name', value: 1 }];
    expect(barChart(rows, { width: 30, height: 2 }).split('\n')[0]).toMatch(/^a very l… █/);
    expect(barChart(rows, { width: 30, height: 2, ascii: true }).split('\n')[0]).toMatch(/^a very\.\.\. #/);
  });

  it('says how many rows did not fit', () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ label: `r${i}`, value: i }));
    const lines = barChart(rows, { width: 40, height: 4 }).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('… 7 more');
  });

  it('lists label and value when too narrow for bars', () => {
    const rows = [{ label: 'human', value: 0.31 }, { label: 'multi', value: 0.18 }];
    expect(barChart(rows, { width: 12, height: 2 })).toBe('human 0.31\nmulti 0.18');
    expect(barChart(rows, { width: 30, height: 1, title: 'x' })).toBe('human 0.31  multi 0.18');
  });
});

describe('bar charts drawn apart, in shared columns', () => {
  it('draw the same row alike whatever else each chart holds', () => {
    const a: BarRow[] = [{ label: 'vanilla', value: 93.3, lo: 90, hi: 96, n: 160 }, { label: 'single', value: 103, n: 160 }];
    const b: BarRow[] = [{ label: 'vanilla', value: 93.3, lo: 90, hi: 96, n: 160 }, { label: 'single (founders-medium)', value: 98.1, n: 1600 }];
    const opts = { width: 60, height: 6, domain: [0, 110] as const };
    const line = (chart: string) => chart.split('\n').find((l) => l.startsWith('vanilla'));
    // Each fitted to itself, the label and value columns differ, and so do the bars.
    expect(line(barChart(a, opts))).not.toBe(line(barChart(b, opts)));
    const columns = barColumns([a, b], 60);
    expect(line(barChart(a, { ...opts, columns }))).toBe(line(barChart(b, { ...opts, columns })));
  });
});
