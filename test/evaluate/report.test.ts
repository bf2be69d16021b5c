import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCommand, toCsv } from '../../src/commands/report.js';
import { ConfigError } from '../../src/domain/errors.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { RESULT_VERSION, type DiversityResultFile, type PerplexityResultFile, type SafetyResultFile } from '../../src/pipeline/results.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { writeJsonAtomic } from '../../src/util/atomic.js';
import { fixtureSession } from '../results/fixtures.js';

let root: string;
let store: SessionStore;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'baskets-report-'));
  store = new SessionStore(root);
  store.create({ version: 1, name: 'r', createdAt: 'now', seed: 1, data: { source: { kind: 'builtin', name: 'sotu-continuations' } } });
  const paths = sessionPaths(store.dir('r'));
  const stat = (value: number, n: number) => ({ value, lo: value - 1, hi: value + 1, n });
  const perplexity: PerplexityResultFile = {
    version: RESULT_VERSION,
    kind: 'perplexity',
    createdAt: 'now',
    seed: 1,
    items: 10,
    models: [
      // A name with a comma and a quote, to exercise CSV quoting.
      { condition: 'a/"odd", one', target: 'a', kind: 'human', scored: 10, errors: 0, tokens: 200, emptySkipped: 0, mean: stat(12.5, 10), corpus: { value: 11.25, lo: null, hi: null, n: 10 }, bitsPerByte: { value: null, lo: null, hi: null, n: 10, reason: 'no bytes' } },
    ],
    comparisons: [],
  };
  writeJsonAtomic(paths.result('perplexity'), perplexity);
  const safety: SafetyResultFile = {
    version: RESULT_VERSION,
    kind: 'safety',
    createdAt: 'now',
    seed: 1,
    judge: 'j',
    heuristic: true,
    prompts: { origin: 'builtin', count: 3 },
    models: [
      {
        condition: 'a/human', target: 'a', kind: 'human', prompts: 3, answerErrors: 0, rated: 3, ratingErrors: 0, parsed: 2, unparseable: 1, unparseableIds: ['b2'], heuristicHarm: 3,
        grid: [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]],
        dangerZone: { value: 1, lo: 1, hi: 1, n: 2 }, refusalRate: { value: 0, lo: 0, hi: 0, n: 3 }, meanQuality: stat(4.5, 2), meanHarm: stat(4.5, 2),
      },
    ],
  };
  writeJsonAtomic(paths.result('safety'), safety);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function report(format?: string, out?: string) {
  const lines: string[] = [];
  const code = await reportCommand(store, 'r', { format, out, print: (s) => lines.push(s) });
  return { code, text: lines.join('\n') };
}

describe('baskets report', () => {
  it('renders markdown tables with intervals and n, and says which step makes a missing result', async () => {
    const { code, text } = await report();
    expect(code).toBe(0);
    expect(text).toContain('| a | a/"odd", one | perplexity (mean per response) | 12.50 | [11.50, 13.50] | 10 |  |');
    expect(text).toContain('bits per byte | — |  | 10 | no bytes |');
    expect(text).toContain('_No result yet: run the diversity step');
    expect(text).toContain('_No result yet: run the preference step');
    expect(text).toContain('harm from the builtin heuristic');
    expect(text).toContain('| unparseable ratings | 1 |  | 3 | prompts b2 |');
  });

  it('writes CSV with one row per metric × condition that parses back', async () => {
    const { code, text } = await report('csv');
    expect(code).toBe(0);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0])).toEqual(['section', 'target', 'condition', 'metric', 'value', 'lo', 'hi', 'n', 'note']);
    const mean = rows.find((r) => r.metric === 'perplexity (mean per response)')!;
    expect(mean).toMatchObject({ section: 'perplexity', condition: 'a/"odd", one', value: '12.5', lo: '11.5', hi: '13.5', n: '10' });
    expect(rows.filter((r) => r.section === 'safety').map((r) => r.metric)).toContain('danger zone (quality ≥ 4 and harm ≥ 4)');
  });

  it('writes the combined results as JSON, to a file when asked', async () => {
    const file = join(root, 'out.json');
    const { code, text } = await report('json', file);
    expect(code).toBe(0);
    expect(text).toContain(file);
    const json = JSON.parse(readFileSync(file, 'utf8')) as { results: Record<string, unknown>; missing: Record<string, string> };
    expect((json.results.perplexity as PerplexityResultFile).models[0].mean.value).toBe(12.5);
    expect(json.results.diversity).toBeNull();
    expect(json.missing).toMatchObject({ diversity: 'run the diversity step', answers: 'run the answer step' });
  });

  it('writes CSV cells with no escape sequence and no spreadsheet formula, whatever the names hold', () => {
    const csv = toCsv([{ section: 'safety', target: '=HYPERLINK("x")', condition: 'c\u001b]0;PWNED\u0007/\u001b[2Jvanilla', metric: 'm', value: 1, lo: null, hi: null, n: 2, note: '' }]);
    expect(csv).not.toMatch(/[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]/);
    expect(parse(csv, { columns: true })).toEqual([expect.objectContaining({ target: `'=HYPERLINK("x")`, condition: 'c/vanilla', value: '1', n: '2' })]);
  });

  it('refuses an unknown format or session with a one-line usage error', async () => {
    await expect(report('xlsx')).rejects.toThrow(/^unknown report format "xlsx": use md, csv or json$/);
    await expect(reportCommand(store, 'nope', { print: () => {} })).rejects.toThrow(/^no session "nope"/);
    await expect(reportCommand(store, 'nope', { print: () => {} })).rejects.toBeInstanceOf(ConfigError);
  });

  it('refuses an --out that is a folder or cannot be written, leaving no temp file', async () => {
    await expect(report('md', root)).rejects.toThrow(`--out ${root} is a folder: give a file name, e.g. ${join(root, 'report.md')}`);
    const blocked = join(root, 'r', 'session.json', 'report.md');
    await expect(report('md', blocked)).rejects.toThrow(`cannot write the report to ${blocked} (EEXIST): choose a file in a folder you can write to`);
    expect(readdirSync(root).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a result file that is not the shape its kind has, naming the file and the step that rewrites it', async () => {
    const paths = sessionPaths(store.dir('r'));
    const file = paths.result('preference');
    writeFileSync(file, JSON.stringify({ version: RESULT_VERSION, kind: 'preference', judges: 'oops', sources: [] }));
    try {
      await expect(report('md')).rejects.toThrow(`${file} is not a version ${RESULT_VERSION} preference result ("judges" is not a list): rerun the preference step`);
    } finally {
      rmSync(file);
    }
  });
});

describe('baskets report: safety grid, error counts and paired diversity', () => {
  let dir: string;
  let grids: SessionStore;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'baskets-report-grid-'));
    grids = new SessionStore(dir);
    grids.create({ version: 1, name: 'g', createdAt: 'now', seed: 1, data: { source: { kind: 'builtin', name: 'sotu-continuations' } } });
    const paths = sessionPaths(grids.dir('g'));
    const none = { value: null, lo: null, hi: null, n: 0, reason: 'x' };
    const grid = [[4, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 2, 1], [3, 0, 0, 0, 5]];
    const safety: SafetyResultFile = {
      version: RESULT_VERSION, kind: 'safety', createdAt: 'now', seed: 1, judge: 'j', heuristic: false, prompts: { origin: 'advbench', count: 20 },
      models: [{
        condition: 'a/multi', target: 'a', kind: 'multi', prompts: 20, answerErrors: 2, rated: 17, ratingErrors: 1, parsed: 16, unparseable: 1, unparseableIds: ['p9'], heuristicHarm: 0,
        grid, dangerZone: { value: 0.5, lo: 0.25, hi: 0.75, n: 16 }, refusalRate: none, meanQuality: none, meanHarm: none,
      }],
    };
    writeJsonAtomic(paths.result('safety'), safety);
    const diversity: DiversityResultFile = {
      version: RESULT_VERSION, kind: 'diversity', createdAt: 'now', seed: 1, models: [],
      lexicalDiversityComparisons: [{ target: 'a', a: 'a/multi', b: 'a/single', diff: { value: 4.5, lo: 1.5, hi: 7.25, n: 30 }, p: 0.004 }],
      semanticComparisons: [
        { target: 'a', a: 'a/multi', b: 'a/single', diff: { value: 0.02, lo: 0.005, hi: 0.035, n: 40 }, p: 0.01 },
        { target: 'a', a: 'a/multi', b: 'a/human', diff: { value: 0.05, lo: 0.03, hi: 0.07, n: 40 }, p: 1 / 2001 },
      ],
      sources: [{ source: 'a', family: 'fam', size: 'small', responses: 40, lexicalDiversity: { value: 91.5, lo: 90, hi: 93, n: 38 } }],
    };
    writeJsonAtomic(paths.result('diversity'), diversity);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function gridReport(format: string) {
    const lines: string[] = [];
    expect(await reportCommand(grids, 'g', { format, print: (s) => lines.push(s) })).toBe(0);
    return lines.join('\n');
  }

  it('writes one CSV row per quality × harm cell, and the answer and rating errors with their n', async () => {
    const rows = parse(await gridReport('csv'), { columns: true }) as Record<string, string>[];
    const cells = rows.filter((r) => /^quality \d × harm \d$/.test(r.metric));
    expect(cells).toHaveLength(25);
    expect(cells.reduce((s, r) => s + Number(r.value), 0)).toBe(16);
    expect(cells.find((r) => r.metric === 'quality 5 × harm 5')).toMatchObject({ section: 'safety', condition: 'a/multi', value: '5', n: '16', note: 'danger zone' });
    expect(cells.find((r) => r.metric === 'quality 5 × harm 1')).toMatchObject({ value: '3', note: '' });
    expect(rows.find((r) => r.metric === 'answer errors')).toMatchObject({ value: '2', n: '20', note: 'left out: retry with --retry-errors' });
    expect(rows.find((r) => r.metric === 'rating errors')).toMatchObject({ value: '1', n: '18' });
    expect(rows.find((r) => r.metric === 'Δ lexical diversity (paired)')).toMatchObject({ section: 'diversity', target: 'a', condition: 'a/multi − a/single', value: '4.5', lo: '1.5', hi: '7.25', n: '30', note: 'p = 0.00400' });
    expect(rows.find((r) => r.metric === 'Δ mean cosine distance (paired)')).toMatchObject({ section: 'diversity', condition: 'a/multi − a/single', value: '0.02', lo: '0.005', hi: '0.035', n: '40', note: 'p = 0.0100' });
    // The bootstrap's floor, 1/2001, is a bound, not a value.
    expect(rows.find((r) => r.condition === 'a/multi − a/human')).toMatchObject({ note: 'p < 0.001' });
    expect(rows.find((r) => r.condition === 'synthetic data (source)')).toMatchObject({ section: 'diversity', target: 'a', value: '91.5', lo: '90', hi: '93', n: '38', note: '40 responses of the fam family, small' });
  });

  it('draws the grid as a 5 × 5 Markdown table per condition with the danger zone marked', async () => {
    const text = await gridReport('md');
    expect(text).toContain('### Quality × harm: a/multi (a), n = 16 parsed ratings');
    expect(text).toContain('| 5 | 3 | 0 | 0 | **0** | **5** |');
    expect(text).toContain('| 4 | 0 | 0 | 0 | **2** | **1** |');
    expect(text).toContain('| 1 | 4 | 0 | 0 | 0 | 0 |');
    // The cells are in the grid, not repeated as 25 rows of the metric table.
    expect(text).not.toContain('| quality 5 × harm 5 |');
    expect(text).toContain('| answer errors | 2 |  | 20 | left out: retry with --retry-errors |');
    expect(text).toContain('| a | a/multi − a/single | Δ lexical diversity (paired) | 4.500 | [1.500, 7.250] | 30 | p = 0.00400 |');
  });
});

describe('baskets report: the headline', () => {
  it("opens the Markdown with the Results screen's multi vs single lines, every target in full, and puts them in the JSON", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-report-summary-'));
    try {
      fixtureSession(dir, 'h', ['perplexity', 'diversity']);
      const lines: string[] = [];
      expect(await reportCommand(new SessionStore(dir), 'h', { format: 'md', print: (s) => lines.push(s) })).toBe(0);
      const md = lines.join('\n');
      const summary = md.slice(md.indexOf('## Summary: multi vs single'), md.indexOf('## answers'));
      expect(summary.split('\n').filter((l) => l.startsWith('- '))).toEqual([
        '- multi vs single, 2 targets: lexical higher 2/2, semantic 0/1, perplexity lower 1/1 (intervals clear 0: –, –, 1/1)',
        '- qwen-s: multi vs single: lexical diversity +7.5 (62.5 [60, 65] vs 55 [52.5, 57.5]), mean cosine distance 0, geo-mean perplexity -20% [-25.9%, -13.9%] (p=0.002, n=40)',
        '- llama-s: multi vs single: lexical diversity +7 (57 [54.5, 59.5] vs 50 [47.5, 52.5]), perplexity n/a (no paired items)',
      ]);
      lines.length = 0;
      await reportCommand(new SessionStore(dir), 'h', { format: 'json', print: (s) => lines.push(s) });
      expect(JSON.parse(lines.join('\n')).summary).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('baskets report: an evaluation switched off after it ran', () => {
  it('reports its earlier results and says in every format that they are from an earlier run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baskets-report-off-'));
    try {
      const session = fixtureSession(dir, 'off', ['perplexity', 'diversity']);
      const file = sessionPaths(session).sessionFile;
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), evaluation: { diversity: { enabled: false } } }));
      const report = async (format: string) => {
        const lines: string[] = [];
        expect(await reportCommand(new SessionStore(dir), 'off', { format, print: (s) => lines.push(s) })).toBe(0);
        return lines.join('\n');
      };
      const note = 'diversity is switched off (evaluation.diversity.enabled): these results are from an earlier run';
      const md = await report('md');
      expect(md.slice(md.indexOf('## diversity'))).toContain(`_${note}._`);
      expect(md.slice(md.indexOf('## perplexity'), md.indexOf('## diversity'))).not.toContain('switched off');
      const rows = parse(await report('csv'), { columns: true }) as Record<string, string>[];
      expect(rows.filter((r) => r.section === 'diversity').every((r) => r.note.startsWith(note))).toBe(true);
      // Every answer of the lexical metric is accounted for: 38 scored, 0 with one sentence, 2 with none (40).
      expect(rows.find((r) => r.metric.startsWith('lexical diversity') && r.condition === 'qwen-s/vanilla')!.note).toBe(`${note}; 38 responses scored, 0 skipped (one sentence), 2 with no sentence`);
      expect(rows.filter((r) => r.section === 'perplexity').some((r) => r.note.includes('switched off'))).toBe(false);
      expect(JSON.parse(await report('json')).stale).toEqual({ diversity: note });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
