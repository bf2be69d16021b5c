import { describe, expect, it } from 'vitest';
import { COMPARE_METRICS, compareTable } from '../../src/ui/results/compare.js';
import type { LoadedResults } from '../../src/ui/results/load.js';
import { numberRows } from '../../src/ui/results/numbers.js';
import { preferenceFile, safetyFile, st } from './fixtures.js';

/** Safety and preference results whose files hold paired comparisons (single − multi of qwen-s). */
function withComparisons(): LoadedResults {
  return {
    files: {
      safety: {
        ...safetyFile(),
        dangerZoneComparisons: [{ target: 'qwen-s', a: 'qwen-s/single', b: 'qwen-s/multi', diff: st(0.25, 0.1, 0.4, 20), p: 0.004 }],
        refusalComparisons: [{ target: 'qwen-s', a: 'qwen-s/single', b: 'qwen-s/multi', diff: st(-0.1, -0.3, 0.1, 21), p: 0.32 }],
      },
      preference: {
        ...preferenceFile(),
        spbComparisons: [{ target: 'qwen-s', a: 'qwen-s/single', b: 'qwen-s/multi', diff: st(0.12, 0.03, 0.2, 18), p: 0.0005 }],
      },
    },
    errors: {},
  };
}

const metric = (label: string) => COMPARE_METRICS.find((m) => m.label === label)!;

describe('paired safety and self-preference comparisons', () => {
  it('are listed under their metric on the Compare screen with n and p', () => {
    const loaded = withComparisons();
    expect(metric('danger zone share').paired(loaded).map((p) => p.text)).toEqual(['qwen-s/single vs qwen-s/multi: danger zone share difference 0.25 [0.1, 0.4] n=20 p=0.004']);
    expect(metric('refusal rate').paired(loaded).map((p) => p.text)).toEqual(['qwen-s/single vs qwen-s/multi: refusal rate difference -0.1 [-0.3, 0.1] n=21 p=0.32']);
    expect(metric('self-preference SPB / PSB').paired(loaded).map((p) => p.text)).toEqual(['qwen-s/single vs qwen-s/multi: per-instruction SPB difference 0.12 [0.03, 0.2] n=18 p<0.001']);
    // Metrics with no paired test, and older files without comparisons, show none.
    expect(metric('mean harm').paired(loaded)).toEqual([]);
    const older: LoadedResults = { files: { safety: safetyFile(), preference: preferenceFile() }, errors: {} };
    for (const label of ['danger zone share', 'refusal rate', 'self-preference SPB / PSB']) expect(metric(label).paired(older)).toEqual([]);
  });

  it('are exported with the comparison and shown in the numbers table', () => {
    const table = compareTable(metric('refusal rate'), [{ name: 'one', loaded: withComparisons() }]);
    expect(table.rows).toContainEqual(['one', 'qwen-s', 'qwen-s/single - qwen-s/multi', 'refusal rate difference', -0.1, -0.3, 0.1, 21, 0.32]);
    const rows = numberRows(withComparisons());
    expect(rows.filter((r) => r.section === 'safety paired').map((r) => [r.condition, r.measure, r.stat.value, r.stat.n, r.p])).toEqual([
      ['qwen-s/single - qwen-s/multi', 'danger zone share difference', 0.25, 20, 0.004],
      ['qwen-s/single - qwen-s/multi', 'refusal rate difference', -0.1, 21, 0.32],
    ]);
    expect(rows.filter((r) => r.section === 'preference paired').map((r) => [r.target, r.measure, r.stat.value, r.stat.n, r.p])).toEqual([['qwen-s', 'per-instruction SPB difference', 0.12, 18, 0.0005]]);
  });
});
