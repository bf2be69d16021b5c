import { describe, expect, it } from 'vitest';
import type { LoadedResults } from '../../src/ui/results/load.js';
import { COMPARE_METRICS, compareTable } from '../../src/ui/results/compare.js';
import { numberRows } from '../../src/ui/results/numbers.js';
import { summaryLines } from '../../src/ui/results/summary.js';
import { diversityFile, st } from './fixtures.js';

/** Diversity results whose file holds paired lexical-diversity comparisons (single − multi). */
function withComparisons(): LoadedResults {
  return {
    files: {
      diversity: {
        ...diversityFile(),
        lexicalDiversityComparisons: [
          { target: 'qwen-s', a: 'qwen-s/single', b: 'qwen-s/multi', diff: st(-7.5, -10, -5, 38), p: 0.0005 },
          { target: 'llama-s', a: 'llama-s/single', b: 'llama-s/multi', diff: st(-7, -9.5, -1, 36), p: 0.03 },
        ],
      },
    },
    errors: {},
  };
}

describe('paired lexical-diversity comparisons', () => {
  const metric = COMPARE_METRICS.find((m) => m.label === 'lexical diversity (100 - Self-BLEU)')!;

  it('are listed under the lexical-diversity metric on the Compare screen with their p-values', () => {
    expect(metric.paired(withComparisons()).map((p) => p.text)).toEqual([
      'qwen-s/single vs qwen-s/multi: lexical diversity difference -7.5 [-10, -5] n=38 p<0.001',
      'llama-s/single vs llama-s/multi: lexical diversity difference -7 [-9.5, -1] n=36 p=0.03',
    ]);
    // Other diversity metrics have no paired test, and older files without comparisons have none.
    expect(COMPARE_METRICS.find((m) => m.label === 'MTLD')!.paired(withComparisons())).toEqual([]);
    expect(metric.paired({ files: { diversity: diversityFile() }, errors: {} })).toEqual([]);
  });

  it('are exported with the comparison and shown in the numbers table', () => {
    const table = compareTable(metric, [{ name: 'one', loaded: withComparisons() }]);
    expect(table.rows).toContainEqual(['one', 'qwen-s', 'qwen-s/single - qwen-s/multi', 'lexical diversity difference', -7.5, -10, -5, 38, 0.0005]);
    const paired = numberRows(withComparisons()).filter((r) => r.section === 'diversity paired');
    expect(paired.map((r) => [r.condition, r.stat.value, r.p])).toEqual([
      ['qwen-s/single - qwen-s/multi', -7.5, 0.0005],
      ['llama-s/single - llama-s/multi', -7, 0.03],
    ]);
  });

  it('give the headline multi-vs-single line its paired difference, turned to multi − single', () => {
    expect(summaryLines(withComparisons())).toEqual([
      'qwen-s: multi vs single: lexical diversity +7.5 (62.5 [60, 65] vs 55 [52.5, 57.5], paired on the 38 items both scored +7.5 [+5, +10] p<0.001)',
      'llama-s: multi vs single: lexical diversity +7 (57 [54.5, 59.5] vs 50 [47.5, 52.5], paired on the 36 items both scored +7 [+1, +9.5] p=0.03)',
    ]);
    // Counted, the signs come with how many paired intervals clear zero.
    expect(summaryLines(withComparisons(), 1)).toEqual(['multi vs single, 2 targets: lexical higher 2/2 (2 of 2 intervals > 0), semantic 0/1']);
  });
});
