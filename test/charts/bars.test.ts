import { describe, expect, it } from 'vitest';
import { barChart, barColumns, type BarRow } from '../../src/charts/bars.js';
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

  it('draws a bar as long as its value: 92.2 against 96 is 92 against 96, not 3 against 24', () => {
    const rows = [
      { label: 'single', value: 92.2, lo: 91.3, hi: 93.1 },
      { label: 'human', value: 96, lo: 95.5, hi: 96.5 },
    ];
    const lines = barChart(rows, { width: 70, height: 3, ascii: true }).split('\n');
    const barLength = (line: string) => (line.match(/#/g) ?? []).length;
    // Lengths from zero: their ratio is the values' ratio, to a cell.
    expect(Math.abs(barLength(lines[0]) / barLength(lines[1]) - 92.2 / 96)).toBeLessThan(0.05);
    expect(lines[2]).toMatch(/^ {7}0 +96\.5$/);
  });

  it('says on the axis when a given domain starts above zero, and prints a note there', () => {
    const three = [{ label: 'a', value: 95 }, { label: 'b', value: 96 }, { label: 'c', value: 94 }];
    // A cut axis prints itself even when rows must give way for it, and says it is cut.
    const above = barChart(three, { width: 40, height: 3, ascii: true, domain: [90, 97] }).split('\n');
    expect(above).toEqual([expect.stringMatching(/^a #+ +95$/), '... 2 more', expect.stringMatching(/^ {2}90 \(not from 0\) +97$/)]);
    // Narrow, the short form.
    expect(barChart(three, { width: 22, height: 4, ascii: true, domain: [90, 97] }).split('\n')[3]).toMatch(/^ {2}90!=0 +97$/);
    const fixed = barChart([{ label: 'a', value: 95 }, { label: 'b', value: 96 }], { width: 30, height: 3, ascii: true, domain: [0, 100] });
    expect(fixed.split('\n')[2]).toMatch(/^ {2}0 +100$/);
    // The note sits on the axis beside the range, and keeps the axis on screen when rows are short.
    const noted = barChart(three, { width: 40, height: 3, ascii: true, axisNote: ['higher better'] }).split('\n');
    expect(noted).toEqual([expect.stringMatching(/^a #+ +95$/), '... 2 more', expect.stringMatching(/^ {2}0 {2}higher better +96$/)]);
    expect(barChart(three, { width: 40, height: 4, axisNote: ['↑ better: the reason is long enough not to fit', '↑ better'] }).split('\n')[3]).toMatch(/^ {2}0 {2}↑ better +96$/);
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
