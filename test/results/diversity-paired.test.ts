import { describe, expect, it } from 'vitest';
import type { LoadedResults } from '../../src/ui/results/load.js';
import { COMPARE_METRICS, compareTable } from '../../src/ui/results/compare.js';
import { numberRows } from '../../src/ui/results/numbers.js';
import { summaryLines, summaryRows } from '../../src/ui/results/summary.js';
import { diversityFile, st } from './fixtures.js';

/** Diversity results whose file holds paired lexical-diversity and cosine-distance comparisons (single − multi). */
function withComparisons(): LoadedResults {
  const file = diversityFile();
  // qwen-s's multi answers spread further apart than its single ones.
  const multi = file.models.find((m) => m.condition === 'qwen-s/multi')!;
  multi.semantic = { ...multi.semantic!, meanCosineDistance: st(0.43, 0.41, 0.45, 40) };
  return {
    files: {
      diversity: {
        ...file,
        semanticComparisons: [{ target: 'qwen-s', a: 'qwen-s/single', b: 'qwen-s/multi', diff: st(-0.03, -0.045, -0.012, 40), p: 0.002 }],
        lexicalDiversityComparisons: [
          { target: 'qwen-s', a: 'qwen-s/single', b: 'qwen-s/multi', diff: st(-7.5, -10, -5, 38), p: 0.0005 },
          { target: 'llama-s', a: 'llama-s/single', b: 'llama-s/multi', diff: st(-7, -9.5, -1, 36), p: 0.03 },
        ],
      },
    },
    errors: {},
  };
}

describe('paired lexical-diversity and cosine-distance comparisons', () => {
  const metric = COMPARE_METRICS.find((m) => m.label === 'lexical diversity (100 - Self-BLEU)')!;

  it('are listed under the lexical-diversity metric on the Compare screen with their p-values', () => {
    expect(metric.paired(withComparisons()).map((p) => p.text)).toEqual([
      'qwen-s/single vs qwen-s/multi: lexical diversity difference -7.5 [-10, -5] n=38 p<0.001',
      'llama-s/single vs llama-s/multi: lexical diversity difference -7 [-9.5, -1] n=36 p=0.03',
    ]);
    // Mean cosine distance pairs within a session only: it is not a mean over items, so it keeps no per-item values.
    const cosine = COMPARE_METRICS.find((m) => m.label === 'semantic cosine distance')!;
    expect(cosine.paired(withComparisons()).map((p) => p.text)).toEqual(['qwen-s/single vs qwen-s/multi: mean cosine distance difference -0.03 [-0.045, -0.012] n=40 p=0.002']);
    expect(cosine.across).toBeUndefined();
    // Beside another session, the export says so rather than let the within-session lines read as pairings.
    expect(compareTable(cosine, [{ name: 'one', loaded: withComparisons() }, { name: 'two', loaded: withComparisons() }]).notes).toContain(
      'not paired with one: semantic cosine distance keeps no per-item values to pair across sessions',
    );
    expect(metric.across?.measure).toBe('lexical-diversity');
    // Other diversity metrics have no paired test, and older files without comparisons have none.
    expect(COMPARE_METRICS.find((m) => m.label === 'MTLD')!.paired(withComparisons())).toEqual([]);
    expect(metric.paired({ files: { diversity: diversityFile() }, errors: {} })).toEqual([]);
  });

  it('are exported with the comparison and shown in the numbers table', () => {
    const table = compareTable(metric, [{ name: 'one', loaded: withComparisons() }]);
    expect(table.rows).toContainEqual(['one', 'qwen-s', 'qwen-s/single - qwen-s/multi', 'lexical diversity difference', -7.5, -10, -5, 38, 0.0005]);
    const paired = numberRows(withComparisons()).filter((r) => r.section === 'diversity paired');
    expect(paired.map((r) => [r.condition, r.measure, r.stat.value, r.p])).toEqual([
      ['qwen-s/single - qwen-s/multi', 'lexical diversity difference', -7.5, 0.0005],
      ['llama-s/single - llama-s/multi', 'lexical diversity difference', -7, 0.03],
      ['qwen-s/single - qwen-s/multi', 'mean cosine distance difference', -0.03, 0.002],
    ]);
  });

  it('give the headline multi-vs-single line its paired difference, turned to multi − single', () => {
    expect(summaryLines(withComparisons())).toEqual([
      'qwen-s: multi vs single: lexical diversity +7.5 (62.5 [60, 65] vs 55 [52.5, 57.5], paired on the 38 items both scored +7.5 [+5, +10] p<0.001), mean cosine distance +0.03 [+0.012, +0.045] (p=0.002, n=40)',
      'llama-s: multi vs single: lexical diversity +7 (57 [54.5, 59.5] vs 50 [47.5, 52.5], paired on the 36 items both scored +7 [+1, +9.5] p=0.03)',
    ]);
    // Counted, the signs come with how many paired intervals clear zero.
    expect(summaryLines(withComparisons(), 1)).toEqual(['multi vs single, 2 targets: lexical higher 2/2, semantic 1/1 (intervals clear 0: 2/2, 1/1)']);
    // An interval of a few items can clear zero where the exact test does not: it is not counted.
    const few = withComparisons();
    few.files.diversity!.lexicalDiversityComparisons![1] = { target: 'llama-s', a: 'llama-s/single', b: 'llama-s/multi', diff: st(-7, -9, -5, 2), p: 0.5 };
    expect(summaryLines(few, 1)).toEqual(['multi vs single, 2 targets: lexical higher 2/2, semantic 1/1 (intervals clear 0: 1/2, 1/1)']);
    // On screen the lines wrap at words: a narrow terminal gets a whole fact, or an ellipsis after a whole word.
    expect(summaryRows(withComparisons(), 60, 2)).toEqual(['multi vs single, 2 targets: lexical higher 2/2, semantic 1/1', '(intervals clear 0: 2/2, 1/1)']);
    expect(summaryRows(withComparisons(), 60, 1)).toEqual(['multi vs single, 2 targets: lexical higher 2/2, semantic …']);
    // An interval that clears zero the other way is counted as such, not hidden among the ties.
    const reversed = withComparisons();
    reversed.files.diversity!.lexicalDiversityComparisons![1] = { target: 'llama-s', a: 'llama-s/single', b: 'llama-s/multi', diff: st(0.4, 0.1, 0.7, 200), p: 0.009 };
    expect(summaryLines(reversed, 1)).toEqual(['multi vs single, 2 targets: lexical higher 2/2, semantic 1/1 (intervals clear 0: 1/2 (1 against), 1/1)']);
  });
});
