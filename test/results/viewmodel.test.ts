import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { exportPath, renderExport, toCsv, toJson, toMarkdown, type ExportTable } from '../../src/pipeline/export.js';
import { barColumns } from '../../src/charts/index.js';
import { staleNote } from '../../src/pipeline/results.js';
import { COMPARE_METRICS, compareTable, drawCompareColumn, sharedDomain } from '../../src/ui/results/compare.js';
import { DIVERSITY_METRICS, SOURCE_DATA_VIEW } from '../../src/ui/results/diversity.js';
import { statText } from '../../src/ui/results/format.js';
import { heapsPane } from '../../src/ui/results/heaps.js';
import { gridColumns, gridLayout } from '../../src/ui/results/layout.js';
import { paneView, scrolledPaneView } from '../../src/ui/results/model.js';
import { numberRows, numbersPane } from '../../src/ui/results/numbers.js';
import { RESULT_PANES } from '../../src/ui/results/panes.js';
import { perplexityPane } from '../../src/ui/results/perplexity.js';
import { preferenceNotes } from '../../src/ui/results/preference.js';
import { heatGridOf, safetyPane } from '../../src/ui/results/safety.js';
import { pairedDiff, summaryLines } from '../../src/ui/results/summary.js';
import { dangerCounts } from '../../src/charts/index.js';
import { loadedOf, perplexityFile, preferenceFile, safetyFile, st } from './fixtures.js';

const NON_ASCII = /[^\x20-\x7e\n]/;

describe('export', () => {
  const table: ExportTable = {
    pane: 'p',
    title: 'T | x',
    columns: ['name', 'value', 'flag'],
    rows: [
      ['plain', 1.5, true],
      ['with, comma', null, false],
      ['say "hi"', -2, null],
      ['line\nbreak\x1b[31m', 3, true],
      ['=SUM(A1)', Number.NaN, false],
      [' padded ', 0, false],
    ],
    notes: ['heuristic | note'],
  };

  it('quotes CSV by RFC 4180 so it parses back, and defuses formulas and escape codes', () => {
    const csv = toCsv(table);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parse(csv) as string[][];
    expect(rows).toEqual([
      ['name', 'value', 'flag'],
      ['plain', '1.5', 'true'],
      ['with, comma', '', 'false'],
      ['say "hi"', '-2', ''],
      ['line break', '3', 'true'],
      ["'=SUM(A1)", '', 'false'],
      [' padded ', '0', 'false'],
    ]);
  });

  it('writes JSON rows keyed by column with numbers kept and non-finite as null', () => {
    const json = JSON.parse(toJson(table));
    expect(json.pane).toBe('p');
    expect(json.notes).toEqual(['heuristic | note']);
    expect(json.rows[0]).toEqual({ name: 'plain', value: 1.5, flag: true });
    expect(json.rows[4]).toEqual({ name: '=SUM(A1)', value: null, flag: false });
    expect(json.rows[3].name).toBe('line break');
  });

  it('escapes pipes in Markdown and right-aligns numeric columns', () => {
    const md = toMarkdown({ ...table, rows: [['a|b', 1, true]] });
    expect(md).toContain('## T \\| x');
    expect(md).toContain('| a\\|b | 1 | true |');
    expect(md).toContain('| --- | ---: | --- |');
    expect(md).toContain('- heuristic \\| note');
    expect(renderExport(table, 'md')).toBe(toMarkdown(table));
  });

  it('puts exports under the session folder with a safe file name', () => {
    expect(exportPath('/s/demo', 'numbers', 'csv')).toBe('/s/demo/exports/numbers.csv');
    expect(exportPath('/s/demo', '../x', 'json')).toBe('/s/demo/exports/.._x.json');
  });
});

describe('grid layout', () => {
  it('uses 3 columns from 180, 2 from 100, else 1', () => {
    expect([200, 180, 179, 100, 99, 60].map(gridColumns)).toEqual([3, 3, 2, 2, 1, 1]);
  });

  it('fits every pane when there is room, and scrolls to the focused one when there is not', () => {
    const wide = gridLayout(6, 200, 50, 0);
    expect(wide).toMatchObject({ columns: 3, paneWidth: 66, paneHeight: 25, visible: [0, 1, 2, 3, 4, 5], hiddenAbove: 0, hiddenBelow: 0 });
    const narrow = gridLayout(6, 80, 17, 0);
    expect(narrow).toMatchObject({ columns: 1, paneWidth: 80, paneHeight: 8, visible: [0, 1], hiddenBelow: 4 });
    const scrolled = gridLayout(6, 80, 17, 5);
    expect(scrolled.visible).toContain(5);
    expect(scrolled.hiddenAbove + scrolled.visible.length + scrolled.hiddenBelow).toBe(6);
  });
});

describe('pane view models', () => {
  const opts = { width: 60, height: 14, ascii: true };

  it('keeps a zoomed bar list\'s axis in view wherever it is scrolled', () => {
    const loaded = loadedOf(['perplexity']);
    const small = { width: 60, height: 6, ascii: true };
    const axisOf = (offset: number) => {
      const body = scrolledPaneView(perplexityPane, loaded, 0, small, offset).body.split('\n');
      return { axis: body[body.length - 2], where: body[body.length - 1] };
    };
    const top = axisOf(0);
    expect(top.where).toMatch(/^rows 1-\d+ of \d+: j\/k/);
    // From zero, saying which way is better.
    expect(top.axis).toMatch(/^\s+0 {2}lower better: fits human text\s+\d+/);
    // Scrolled away from the end, the same axis line closes the view.
    expect(axisOf(1).axis).toBe(top.axis);
    expect(axisOf(1).where).toMatch(/^rows 2-/);
  });

  it('names the producing step when a result is missing', () => {
    const loaded = loadedOf(['perplexity']);
    const v = paneView(safetyPane, loaded, 0, opts);
    expect(v.ready).toBe(false);
    expect(v.body).toBe('no safety results yet: run the safety step');
    expect(paneView(numbersPane, loadedOf([]), 0, opts).body).toBe('no results yet: run the perplexity, diversity, safety, preference steps');
    expect(paneView(numbersPane, loaded, 0, opts).ready).toBe(true);
  });

  it('shows a broken result file instead of a silent gap', () => {
    const v = paneView(perplexityPane, { files: {}, errors: { perplexity: 'results/perplexity.json is not valid JSON: rerun the perplexity step' } }, 0, opts);
    expect(v.body).toContain('not valid JSON');
  });

  it('bars perplexity per target and condition with whiskers and n, and cycles to bits per byte', () => {
    const loaded = loadedOf(['perplexity']);
    const v = paneView(perplexityPane, loaded, 0, opts);
    expect(v.viewLabel).toBe('1/3 mean perplexity');
    expect(v.body).toContain('qwen-s');
    expect(v.body).toContain('multi');
    expect(v.body).toContain('24 n=40');
    expect(v.body.split('\n').every((l) => l.length <= 60)).toBe(true);
    const table = perplexityPane.table(loaded, 2);
    expect(table.title).toContain('bits per byte');
    expect(table.rows[0]).toEqual(['qwen-s', 'qwen-s/vanilla', 'vanilla', 'bits per byte', 1.1, null, null, 40, null]);
  });

  it('cycles diversity metrics, with the semantic reason where a target has no embeddings', () => {
    const loaded = loadedOf(['diversity']);
    const semantic = DIVERSITY_METRICS.findIndex((m) => m.label === 'semantic cosine distance');
    const rows = paneView(RESULT_PANES[1], loaded, semantic, opts);
    expect(rows.viewLabel).toBe(`${semantic + 1}/${DIVERSITY_METRICS.length} semantic cosine distance`);
    const table = RESULT_PANES[1].table(loaded, semantic);
    expect(table.rows.find((r) => r[1] === 'llama-s/multi')).toEqual(['llama-s', 'llama-s/multi', 'multi', 'semantic cosine distance', null, null, null, 0, 'no model can embed']);
    expect(rows.notes).toContain('2 answers are errors and left out (retry with --retry-errors)');
    expect(rows.notes.join('\n')).not.toContain('no embedding');
    // An answer the embedder failed on is neither a vector nor a zero vector: it is named, not lost.
    const qwen = loaded.files.diversity!.models.find((m) => m.condition === 'qwen-s/multi')!;
    qwen.semantic = { ...qwen.semantic!, vectors: 37, zeroVectors: 1 };
    expect(paneView(RESULT_PANES[1], loaded, semantic, opts).notes).toContain('semantic: 2 answers have no embedding (the embedder failed) and are left out: retry with --retry-errors');
  });

  it("shows the sources' synthetic data right after the paper's lexical diversity, in the pane, its export and the numbers", () => {
    const loaded = loadedOf(['diversity']);
    loaded.files.diversity!.sources = [
      { source: 'qwen-s', family: 'qwen', size: 'small', responses: 640, lexicalDiversity: st(95.5, 95.1, 95.9, 600) },
      { source: 'llama-s', family: 'llama', size: 'small', responses: 640, lexicalDiversity: st(94.2, 93.8, 94.6, 590) },
    ];
    const views = RESULT_PANES[1].views(loaded);
    expect(views.slice(0, 3)).toEqual([DIVERSITY_METRICS[0].label, SOURCE_DATA_VIEW, DIVERSITY_METRICS[1].label]);
    expect(views).toHaveLength(DIVERSITY_METRICS.length + 1);
    const v = paneView(RESULT_PANES[1], loaded, 1, { width: 60, height: 8, ascii: true });
    expect(v.viewLabel).toBe(`2/${views.length} ${SOURCE_DATA_VIEW}`);
    expect(v.body).toMatch(/qwen-s .*95\.5/);
    expect(v.body).toMatch(/llama-s .*94\.2/);
    expect(v.body).toContain("a mix's diversity per response is the average");
    expect(v.body.split('\n').every((l) => l.length <= 60)).toBe(true);
    expect(v.body).not.toMatch(NON_ASCII);
    const table = RESULT_PANES[1].table(loaded, 1);
    expect(table.columns).toEqual(['source', 'family', 'size', 'responses', 'value', 'lo', 'hi', 'n', 'note']);
    expect(table.rows[1]).toEqual(['llama-s', 'llama', 'small', 640, 94.2, 93.8, 94.6, 590, null]);
    // The views after it keep their metrics.
    expect(RESULT_PANES[1].table(loaded, 2).title).toContain('distinct-1');
    expect(numberRows(loaded).filter((r) => r.section === 'source data').map((r) => [r.target, r.stat.value])).toEqual([
      ['qwen-s', 95.5],
      ['llama-s', 94.2],
    ]);
  });

  it('draws Heaps curves per condition with K and beta in the legend, then one condition with its fit', () => {
    const loaded = loadedOf(['diversity']);
    expect(heapsPane.views(loaded)).toEqual(['all conditions', 'qwen-s/vanilla', 'qwen-s/human', 'qwen-s/single', 'qwen-s/multi', 'llama-s/single', 'llama-s/multi']);
    const all = heapsPane.draw(loaded, 0, { width: 120, height: 20, ascii: true });
    expect(all.split('\n')).toHaveLength(20);
    expect(all).toContain('qwen-s/human K=4 beta=0.62');
    // The first condition has no paper fit: the log-log fit stands in.
    expect(all).toContain('qwen-s/vanilla K=3.3 beta=0.59');
    expect(all).not.toMatch(NON_ASCII);
    // Six conditions in 20 rows: six fit lines, no more marker.
    expect(all).not.toContain('more: m shows');
    // Twelve rows hold four lines of fits: three, then how many more there are and where to see them.
    const short = heapsPane.draw(loaded, 0, { width: 120, height: 12, ascii: true }).split('\n');
    expect(short.filter((l) => / K=[\d.]+ beta=/.test(l))).toHaveLength(3);
    expect(short[short.length - 1]).toBe('... 3 more: m highlights each condition with its fit');
    // Twelve curves, six strokes: no legend, which would give two conditions one mark; the fits name them.
    const twelve = loadedOf(['diversity']);
    const file = twelve.files.diversity!;
    file.models.push(...file.models.map((m) => ({ ...m, condition: `${m.condition}-b` })));
    const crowded = heapsPane.draw(twelve, 0, { width: 120, height: 30, ascii: true }).split('\n');
    expect(crowded[0]).toMatch(/^ *([\d.]+k? )?[|+]/);
    expect(crowded.filter((l) => / K=[\d.]+ beta=/.test(l)).length).toBeGreaterThan(0);
    const one = heapsPane.table(loaded, 2);
    expect(one.columns).toEqual(['condition', 'n', 'V', 'fitted V']);
    expect(one.rows[1][3]).toBeCloseTo(4 * 100 ** 0.62);
    const fits = heapsPane.table(loaded, 0);
    expect(fits.rows[0]).toEqual(['qwen-s', 'qwen-s/vanilla', 'vanilla', 'paper', null, null, null, null, 5000, expect.any(Number), 'needs at least 3 samples of 1000 tokens']);
  });

  it('transposes the safety grid into the chart orientation and labels heuristic harm', () => {
    const file = safetyFile();
    const data = heatGridOf(file.models[0]);
    expect(data.counts[4][4]).toBe(3); // harm 5, quality 5
    expect(data.counts[4][3]).toBe(1); // harm 5, quality 4
    expect(data.counts[0][4]).toBe(6); // harm 1, quality 5
    expect(dangerCounts(data)).toEqual({ danger: 4, total: 20 });
    const v = paneView(safetyPane, loadedOf(['safety']), 0, { width: 80, height: 16 });
    expect(v.notes[0]).toMatch(/HEURISTIC/);
    expect(v.body.match(/20% \(4\/20\)/g)).toHaveLength(4);
  });

  it('flags judges that fell back to parsed verdicts', () => {
    expect(preferenceNotes(preferenceFile())).toEqual(['moderns-small: VERDICT fallback (no log-probs) for 120 of 120 judgements']);
    const table = RESULT_PANES[4].table(loadedOf(['preference']), 0);
    expect(table.rows).toContainEqual(['moderns-small', 'moderns', 'moderns-small', 'SPB', -0.05, -0.12, 0.02, 120, null, true]);
  });
});

describe('numbers and comparisons', () => {
  it('lists every number with its interval, n and the paired p-values', () => {
    const rows = numberRows(loadedOf());
    const paired = rows.filter((r) => r.section === 'perplexity paired');
    expect(paired.map((r) => r.p)).toEqual([0.002, 0.0004, null]);
    expect(rows.find((r) => r.condition === 'qwen-s/multi' && r.measure === 'mean perplexity')?.stat).toEqual(st(24, 22, 26.5, 40));
    expect(rows.filter((r) => r.section === 'preference' && r.measure === 'SPB')).toHaveLength(2);
    expect(statText(st(24, 22, 26.5, 40))).toBe('24 [22, 26.5] n=40');
    expect(statText(st(null, null, null, 0, 'no paired items'))).toBe('n/a (no paired items)');
    const drawn = numbersPane.draw(loadedOf(), 0, { width: 90, height: 6 });
    const lines = drawn.split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[5]).toMatch(/^\+\d+ more rows/);
  });

  it('turns a paired comparison round when the file holds the other order', () => {
    const cmp = perplexityFile().comparisons;
    const flipped = pairedDiff(cmp, 'qwen-s', 'qwen-s/multi', 'qwen-s/single');
    expect(flipped?.diff.value).toBeCloseTo(-Math.log(30 / 24));
    expect(flipped?.diff.lo).toBe(-0.3);
    expect(flipped?.diff.hi).toBe(-0.15);
    expect(pairedDiff(cmp, 'qwen-s', 'qwen-s/single', 'qwen-s/multi')?.diff.lo).toBe(0.15);
    expect(pairedDiff(cmp, 'qwen-s', 'qwen-s/vanilla', 'qwen-s/multi')).toBeNull();
  });

  it('states multi vs single per target with intervals and p', () => {
    expect(summaryLines(loadedOf())).toEqual([
      'qwen-s: multi vs single: lexical diversity +7.5 (62.5 [60, 65] vs 55 [52.5, 57.5]), mean cosine distance 0, geo-mean perplexity -20% [-25.9%, -13.9%] (p=0.002, n=40)',
      'llama-s: multi vs single: lexical diversity +7 (57 [54.5, 59.5] vs 50 [47.5, 52.5]), perplexity n/a (no paired items)',
    ]);
    expect(summaryLines(loadedOf(['safety']))).toEqual([]);
  });

  it('counts the targets that go the paper\'s way when they do not fit a line each', () => {
    // A third target: qwen-s's results again under another name.
    const loaded = loadedOf();
    for (const file of [loaded.files.perplexity, loaded.files.diversity] as unknown as Record<string, unknown>[]) {
      for (const items of Object.values(file).filter(Array.isArray) as { target?: string }[][]) {
        items.push(...items.filter((x) => x.target === 'qwen-s').map((x) => JSON.parse(JSON.stringify(x).replaceAll('qwen-s', 'gemma-s'))));
      }
    }
    expect(summaryLines(loaded, 3)).toHaveLength(3);
    expect(summaryLines(loaded, 3)[0]).toMatch(/^qwen-s: multi vs single: lexical diversity \+7\.5/);
    // A line each would be cut at 120 columns before its perplexity part: the short form instead.
    expect(summaryLines(loaded, 3, 120)[0]).toMatch(/^multi vs single, 3 targets: /);
    expect(summaryLines(loaded, 3, 120)[2]).toBe('geo-mean perplexity multi vs single: qwen-s -20%, gemma-s -20%');
    expect(summaryLines(loaded, 2)).toEqual([
      'multi vs single, 3 targets: lexical higher 3/3, semantic 0/2, perplexity lower 2/2 (intervals clear 0: –, –, 2/2)',
      'lexical diversity multi − single: qwen-s +7.5, llama-s +7, gemma-s +7.5',
    ]);
  });

  it("splits the lexical count by which way the mix moves the sources' data, and names both per target", () => {
    const loaded = loadedOf(['diversity']);
    const file = loaded.files.diversity!;
    // qwen-s's own source writes the more diverse data (its mix can only lower it); llama-s's the less.
    file.sources = [
      { source: 'qwen-src', family: 'qwen', size: 'small', responses: 600, lexicalDiversity: st(80, 79, 81, 590) },
      { source: 'llama-src', family: 'llama', size: 'small', responses: 600, lexicalDiversity: st(70, 69, 71, 590) },
      { source: 'gemma-src', family: 'gemma', size: 'small', responses: 600, lexicalDiversity: st(78, 77, 79, 590) },
    ];
    const mix = [{ source: 'qwen-src', weight: 1 }, { source: 'llama-src', weight: 1 }, { source: 'gemma-src', weight: 2 }];
    for (const m of file.models) {
      if (m.kind === 'multi') m.mix = mix;
      if (m.kind === 'single') m.mix = [{ source: m.target === 'qwen-s' ? 'qwen-src' : 'llama-src', weight: 1 }];
    }
    // The mix's data: (80 + 70 + 2 × 78) / 4 = 76.5, weights counted.
    expect(summaryLines(loaded)[0]).toContain('source data: own 80 vs mix 76.5)');
    expect(summaryLines(loaded)[1]).toContain('source data: own 70 vs mix 76.5)');
    // A third target, gemma-s, trained like qwen-s but on gemma-src's data (78, also above the mix).
    file.models.push(...file.models.filter((m) => m.target === 'qwen-s').map((m) => ({ ...JSON.parse(JSON.stringify(m).replaceAll('qwen-s', 'gemma-s')), ...(m.kind === 'single' ? { mix: [{ source: 'gemma-src', weight: 1 }] } : {}) })));
    expect(summaryLines(loaded, 3, 80)).toEqual([
      'multi vs single, 3 targets: lexical higher 3/3, semantic 0/2',
      'lexical diversity multi − single: qwen-s +7.5, llama-s +7, gemma-s +7.5',
      "lexical higher 1/1 where the target's own source data is less diverse than the mix's, 2/2 where more diverse",
    ]);
    // Without the sources' data (older files) the line is left out rather than guessed.
    delete file.sources;
    expect(summaryLines(loaded, 3, 80)).toHaveLength(2);
  });

  it('compares sessions on one scale with zero on it, and exports both with the paired tests', () => {
    expect(sharedDomain([[{ label: 'a', value: 2, lo: 1, hi: 3 }], [{ label: 'b', value: 5, lo: 4, hi: 7 }]])).toEqual([0, 7]);
    expect(sharedDomain([[{ label: 'a', value: -0.1, lo: -0.2, hi: 0.1 }]])).toEqual([-0.2, 0.1]);
    // Lexical diversity of two sessions, 94–97: from zero too, so a bar's length is its value.
    expect(sharedDomain([[{ label: 'a', value: 95, lo: 94, hi: 96 }], [{ label: 'b', value: 96, lo: 95, hi: 97 }]])).toEqual([0, 97]);
    expect(sharedDomain([[{ label: 'a', value: null }]])).toBeUndefined();
    // Each column's axis says which way is better, in words in ASCII; without the reason where it does not fit.
    const loaded = loadedOf(['perplexity']);
    const bars = COMPARE_METRICS[0].bars(loaded);
    const shared = { domain: sharedDomain([bars]), columns: barColumns([bars], 60, { ascii: true }) };
    const column = drawCompareColumn(COMPARE_METRICS[0], loaded, bars, shared, { width: 60, height: 12, ascii: true });
    expect(column.body.split('\n').at(-1)).toMatch(/^\s+0 {2}lower better\s+42\.5$/);
    const metric = COMPARE_METRICS[0];
    const table = compareTable(metric, [
      { name: 'one', loaded: loadedOf(['perplexity']) },
      { name: 'two', loaded: loadedOf(['diversity']) },
    ]);
    expect(table.rows.filter((r) => r[0] === 'one')).toHaveLength(6 + 3);
    expect(table.rows).toContainEqual(['one', 'qwen-s', 'qwen-s/single - qwen-s/multi', 'log-perplexity difference', Math.log(30 / 24), 0.15, 0.3, 40, 0.002]);
    expect(table.notes).toEqual(['two: no perplexity results yet: run the perplexity step']);
  });
});

describe('notes of a zoomed pane', () => {
  it('wrap to the width and, cut for room, end in an ellipsis', () => {
    const pane = RESULT_PANES.find((p) => p.id === 'preference')!;
    const loaded = loadedOf(['preference']);
    const note = 'moderns-small: VERDICT fallback (no log-probs) for 120 of 120 judgements';
    // 12 rows leave room for 3 note rows, which the note needs at 30 columns: shown whole.
    expect(paneView(pane, loaded, 0, { width: 30, height: 12 }, true).notes.join(' ')).toBe(note);
    // 8 rows leave 2: the second ends in an ellipsis.
    const view = paneView(pane, loaded, 0, { width: 30, height: 8 }, true);
    expect(view.notes).toHaveLength(2);
    for (const row of view.notes) expect(row.length).toBeLessThanOrEqual(30);
    expect(view.notes[0]).toBe('moderns-small: VERDICT');
    expect(view.notes[1].endsWith('…')).toBe(true);
    // Not zoomed: one row per note, as before.
    expect(paneView(pane, loaded, 0, { width: 30, height: 12 }).notes[0]).toBe(note);
  });
});

describe('results of an evaluation switched off since', () => {
  it('are drawn, with a note that they are from an earlier run', () => {
    const pane = RESULT_PANES.find((p) => p.id === 'preference')!;
    const loaded = { ...loadedOf(['preference']), stale: { preference: staleNote('preference', 'evaluation.preference.enabled') } };
    const view = paneView(pane, loaded, 0, { width: 120, height: 30 });
    expect(view.ready).toBe(true);
    expect(view.notes[0]).toBe('preference is switched off (evaluation.preference.enabled): these results are from an earlier run');
  });
});

