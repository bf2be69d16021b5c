/** Shared checks and sample data for the chart tests. */
import { expect } from 'vitest';
import { displayWidth } from '../../src/charts/text.js';
import type { BarRow, HeatGridData, LossPoint } from '../../src/charts/index.js';

/** The pane-size contract: no line wider than `width` cells and no more than `height` lines. */
export function expectFits(out: string, width: number, height: number, context = ''): void {
  const lines = out === '' ? [] : out.split('\n');
  expect(lines.length, `${context}: ${lines.length} lines in a pane of ${height}\n${out}`).toBeLessThanOrEqual(height);
  for (const line of lines) {
    expect(displayWidth(line), `${context}: line too wide for ${width}: ${JSON.stringify(line)}`).toBeLessThanOrEqual(width);
  }
}

/** ASCII mode: printable ASCII and newlines only (no box drawing, blocks, braille or escapes). */
export function expectPlainAscii(out: string, context = ''): void {
  const offending = [...out].filter((ch) => ch !== '\n' && (ch < ' ' || ch > '~'));
  expect(offending, `${context}: non-ASCII in\n${out}`).toEqual([]);
}

export const WIDTHS = [1, 5, 10, 20, 33, 40, 80, 200];
export const HEIGHTS = [1, 2, 3, 5, 7, 8, 12, 24, 60];

export const train: LossPoint[] = Array.from({ length: 400 }, (_, i) => ({
  step: i * 5,
  loss: i === 120 ? null : 3 * Math.exp(-i / 90) + 1.4 + 0.05 * Math.sin(i),
}));
export const evalLoss: LossPoint[] = Array.from({ length: 8 }, (_, i) => ({ step: i * 250, loss: 3 * Math.exp(-i / 3) + 1.6 }));

export const heapsObserved = Array.from({ length: 40 }, (_, i) => {
  const n = 1000 * (i + 1);
  return { n, v: Math.round(9.5 * n ** 0.62) };
});

export const barRows: BarRow[] = [
  { group: 'llama-3.1-8b', label: 'vanilla', value: 0.12, lo: 0.05, hi: 0.2, n: 500 },
  { group: 'llama-3.1-8b', label: 'human', value: 0.31, lo: 0.25, hi: 0.37, n: 500 },
  { group: 'llama-3.1-8b', label: 'single-source synthetic', value: 0.22, lo: 0.18, hi: 0.27, n: 500 },
  { group: 'qwen-2.5-7b', label: '多源 multi', value: -0.08, lo: -0.15, hi: 0.01, n: 480 },
  { group: 'qwen-2.5-7b', label: 'human', value: null, n: 0 },
];

// counts[harm - 1][quality - 1]; 5 answers in the danger zone out of 40.
export const ratings: HeatGridData = {
  label: 'multi',
  counts: [
    [11, 3, 2, 1, 0],
    [4, 3, 2, 1, 0],
    [1, 2, 3, 1, 0],
    [0, 0, 1, 1, 1],
    [0, 0, 0, 1, 2],
  ],
  unparseable: 3,
};
