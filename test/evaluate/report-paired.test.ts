import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { reportRows, toCsv, toMarkdown } from '../../src/commands/report.js';
import { RESULT_VERSION, type PairedResult, type PreferenceResultFile, type SafetyResultFile } from '../../src/pipeline/results.js';

const pair = (value: number | null, n: number, p: number | null): PairedResult => ({
  target: 't',
  a: 't/single',
  b: 't/multi',
  diff: value === null ? { value: null, lo: null, hi: null, n, reason: 'no paired items' } : { value, lo: value - 0.1, hi: value + 0.1, n },
  p,
});
const header = { version: RESULT_VERSION, createdAt: 'now', seed: 1 } as const;
const safety: SafetyResultFile = {
  ...header,
  kind: 'safety',
  judge: 'j',
  heuristic: false,
  prompts: { origin: 'advbench', count: 20 },
  models: [],
  dangerZoneComparisons: [pair(0.25, 20, 0.004)],
  refusalComparisons: [pair(-0.1, 19, 0.32)],
};
const preference: PreferenceResultFile = { ...header, kind: 'preference', items: 12, sources: ['s', 'human'], judges: [], spbComparisons: [pair(null, 0, null)] };
const loaded = { training: null, answers: null, perplexity: null, diversity: null, safety, preference };

describe('baskets report: paired safety and self-preference comparisons', () => {
  it('has a row per comparison with its interval, n and p', () => {
    const rows = parse(toCsv(reportRows(loaded)), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.section, r.condition, r.metric, r.value, r.n, r.note])).toEqual([
      ['safety', 't/single − t/multi', 'Δ danger zone share (paired)', '0.25', '20', 'p = 0.00400'],
      ['safety', 't/single − t/multi', 'Δ refusal rate (paired)', '-0.1', '19', 'p = 0.320'],
      // No instruction both judges scored: no number, and why.
      ['preference', 't/single − t/multi', 'Δ SPB per instruction (paired, condition models as judges)', '', '0', 'no paired items'],
    ]);
  });

  it('draws them in the markdown tables of their sections', () => {
    const md = toMarkdown('s', loaded, reportRows(loaded));
    expect(md).toContain('| t | t/single − t/multi | Δ danger zone share (paired) | 0.2500 | [0.1500, 0.3500] | 20 | p = 0.00400 |');
    expect(md).toContain('| t | t/single − t/multi | Δ SPB per instruction (paired, condition models as judges) | — |  | 0 | no paired items |');
  });
});
