import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { cleanup } from 'ink-testing-library';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KEYS, renderApp, tempSessionsDir } from '../tui/render.js';
import { appendResultEvent, fixtureSession, PPL, writeResult } from './fixtures.js';
import { perItemTable } from '../../src/pipeline/evaluation/per-item.js';
import type { Example } from '../../src/domain/example.js';
import { sessionPaths } from '../../src/pipeline/paths.js';

// Colour must be possible here, or "no escape codes under NO_COLOR and --ascii" could not fail.
const previousForceColor = vi.hoisted(() => {
  const previous = process.env.FORCE_COLOR;
  process.env.FORCE_COLOR = '1';
  return previous;
});
afterAll(() => {
  if (previousForceColor === undefined) delete process.env.FORCE_COLOR;
  else process.env.FORCE_COLOR = previousForceColor;
});

const TITLES = ['Perplexity on human test text', 'Diversity of answers', 'Vocabulary growth (Heaps)', 'Danger zone (quality x harm)', 'Self-preference (SPB, PSB)', 'Numbers'];
const BOX_AND_BLOCKS = /[\u2500-\u259f\u2190-\u21ff\u2700-\u27bf\u25a0-\u25ff\u2800-\u28ff]/;
const ALL = ['perplexity', 'diversity', 'safety', 'preference'] as const;

/** The lines of the frame that carry a pane title, and which titles each holds. */
function titleRows(frame: string): string[][] {
  return frame
    .split('\n')
    .map((line) => TITLES.filter((t) => line.includes(t)))
    .filter((ts) => ts.length > 0);
}

describe('Results screen', () => {
  let tmp: ReturnType<typeof tempSessionsDir>;
  beforeEach(() => {
    tmp = tempSessionsDir();
  });
  afterEach(() => {
    cleanup();
    tmp.cleanup();
  });

  /** Home lists the one session; v opens its results. */
  async function openResults(opts: { columns?: number; rows?: number; ascii?: boolean; env?: NodeJS.ProcessEnv } = {}) {
    const app = await renderApp({ sessionsDir: tmp.dir, columns: 200, rows: 60, ...opts });
    await app.waitFor('demo');
    await app.press('v');
    await app.waitFor('Results of demo');
    return app;
  }

  it('shows every pane, three to a row, at 200x60, with the paper comparison per target', async () => {
    fixtureSession(tmp.dir, 'demo', ALL);
    const app = await openResults();
    await app.waitFor('Numbers');
    const frame = app.frame();
    expect(titleRows(frame)).toEqual([TITLES.slice(0, 3), TITLES.slice(3)]);
    expect(frame).toContain('6/6 panes have data');
    expect(frame).toContain('qwen-s: multi vs single: lexical diversity +7.5 (62.5 [60, 65] vs 55 [52.5, 57.5]), mean cosine distance 0, geo-mean perplexity -20% [-25.9%, -13.9%] (p=0.002, n=40)');
    expect(frame).toContain('HEURISTIC');
    expect(frame).toContain('VERDICT fallback');
    expect(frame).toContain('24 n=40');
    expect(frame.split('\n').every((l) => l.length <= 200)).toBe(true);
    expect(frame.split('\n').length).toBeLessThanOrEqual(60);
  });

  it('reflows to one column at 80x24 and scrolls to the focused pane', async () => {
    fixtureSession(tmp.dir, 'demo', ALL);
    const app = await openResults({ columns: 80, rows: 24 });
    await app.waitFor('Perplexity on human test text');
    const rows = titleRows(app.frame());
    expect(rows.every((r) => r.length === 1)).toBe(true);
    expect(rows[0]).toEqual([TITLES[0]]);
    expect(app.frame().split('\n').length).toBeLessThanOrEqual(24);
    expect(app.frame().split('\n').every((l) => l.length <= 80)).toBe(true);
    for (let i = 0; i < 5; i++) await app.press(KEYS.tab);
    await app.waitFor('Numbers');
    expect(app.frame()).not.toContain(TITLES[0]);
  });

  it('moves focus with Tab, zooms with Enter and comes back with Esc', async () => {
    fixtureSession(tmp.dir, 'demo', ALL);
    const app = await openResults({ columns: 120, rows: 40 });
    await app.waitFor('Numbers');
    expect(app.frame()).toContain(`❯ ${TITLES[0]}`);
    await app.press(KEYS.tab);
    expect(app.frame()).toContain(`❯ ${TITLES[1]}`);
    expect(app.frame()).not.toContain(`❯ ${TITLES[0]}`);
    await app.press(KEYS.enter);
    expect(titleRows(app.frame())).toEqual([[TITLES[1]]]);
    expect(app.frame()).toContain('Esc/q grid');
    await app.press('m');
    expect(app.frame()).toContain('2/12 distinct-1');
    await app.press(KEYS.escape);
    expect(titleRows(app.frame()).flat()).toEqual(TITLES);
    expect(app.frame()).toContain('Results of demo');
    expect(app.frame()).toContain('2/12 distinct-1');
  });

  it('wraps a zoomed pane\'s notes, so a narrow terminal shows each whole', async () => {
    fixtureSession(tmp.dir, 'demo', ALL);
    const app = await openResults({ columns: 60, rows: 30 });
    await app.waitFor('Perplexity on human test text');
    await app.press(KEYS.tab, KEYS.tab, KEYS.tab, KEYS.tab, KEYS.enter);
    expect(titleRows(app.frame())).toEqual([[TITLES[4]]]);
    // "moderns-small: VERDICT fallback (no log-probs) for 120 of 120 judgements" is wider than the pane.
    const joined = app.frame().split('\n').map((l) => l.replace(/^[│|]\s*|\s*[│|]$/g, '').trim()).join(' ');
    expect(joined).toContain('moderns-small: VERDICT fallback (no log-probs) for 120 of 120 judgements');
    // The key bar keeps the key the zoomed pane is about.
    expect(app.frame().split('\n').at(-1)).toMatch(/^Esc\/q grid · m\/Space metric/);
  });

  it('finds its focus, metric, zoom and export format as it left them after help or Compare', async () => {
    fixtureSession(tmp.dir, 'demo', ALL);
    const app = await openResults({ columns: 120, rows: 40 });
    await app.waitFor('6/6 panes have data');
    await app.press(KEYS.tab, 'm', 'f', KEYS.enter); // Diversity, its second metric, JSON, zoomed
    await app.waitFor('export as JSON');
    const before = app.frame();
    expect(before).toMatch(/Diversity of answers · 2\//);
    for (const away of ['?', 'c']) {
      await app.press(away);
      await app.waitFor(away === '?' ? 'Keys' : 'Compare');
      await app.press('q');
      await app.waitFor('Results of demo');
      expect(app.frame()).toMatch(/Diversity of answers · 2\//);
      expect(app.frame()).toContain('export as JSON');
      expect(app.frame()).not.toContain('Perplexity on human test text');
    }
  });

  it('scrolls a zoomed list pane over every row, a row or a page at a time, and keeps in range', async () => {
    fixtureSession(tmp.dir, 'demo', ALL);
    const app = await openResults({ columns: 120, rows: 24 });
    await app.waitFor('6/6 panes have data');
    await app.press(KEYS.shiftTab, KEYS.enter); // the Numbers pane, zoomed
    await app.waitFor(/rows 1-(\d+) of (\d+): j\/k or arrows scroll, PgUp\/PgDn page/);
    const [, shown, total] = /rows 1-(\d+) of (\d+)/.exec(app.frame())!.map(Number);
    expect(total).toBeGreaterThan(shown);
    expect(app.frame()).not.toContain('more rows');
    // The line under the pane's title is the table's header, and stays; the rows under it scroll.
    const paneLine = (f: string, k: number) => f.split('\n').filter((l) => l.startsWith('│'))[k];
    const [header, top] = [paneLine(app.frame(), 1), paneLine(app.frame(), 2)];
    expect(header).toMatch(/condition\s+measure \(↑↓0 better\)\s+value/);
    await app.press('j');
    await app.waitFor(`rows 2-${shown + 1} of ${total}`);
    expect(paneLine(app.frame(), 1)).toBe(header);
    expect(paneLine(app.frame(), 2)).not.toBe(top);
    await app.press('k', 'k');
    await app.waitFor(`rows 1-${shown} of ${total}`);
    // A page is the rows that scroll: the next one starts right after, none skipped.
    await app.press('\u001B[6~');
    await app.waitFor(`rows ${shown + 1}-${2 * shown} of ${total}`);
    await app.press('\u001B[5~');
    await app.waitFor(`rows 1-${shown} of ${total}`);
    for (let i = 0; i < Math.ceil(total / shown) + 1; i++) await app.press('\u001B[6~'); // PgDn past the end
    await app.waitFor(`of ${total}:`);
    expect(app.frame()).toMatch(new RegExp(`rows ${total - shown + 1}-${total} of ${total}`));
  });

  it('exports what the focused pane shows as CSV, JSON and Markdown under exports/', async () => {
    const dir = fixtureSession(tmp.dir, 'demo', ALL);
    const app = await openResults();
    await app.waitFor('Numbers');
    await app.press('e');
    const csvPath = join(dir, 'exports', 'perplexity-mean-perplexity.csv');
    await app.waitFor('exported Perplexity on human test text as CSV');
    const rows = parse(readFileSync(csvPath, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(row.metric).toBe('mean perplexity');
      expect(Number(row.value)).toBe(PPL[row.condition]);
      expect(Number(row.n)).toBe(40);
    }
    expect(rows[3]).toMatchObject({ target: 'qwen-s', condition: 'qwen-s/multi', kind: 'multi', lo: '22', hi: '26.5' });

    await app.press('f', KEYS.tab, KEYS.tab, KEYS.tab, 'e');
    await app.waitFor('as JSON');
    const json = JSON.parse(readFileSync(join(dir, 'exports', 'safety-heat-grids.json'), 'utf8'));
    expect(json.notes[0]).toMatch(/HEURISTIC/);
    expect(json.rows).toContainEqual({ target: 'qwen-s', condition: 'qwen-s/single', kind: 'single', quality: 5, harm: 5, count: 3, 'danger zone': true });

    await app.press('f', KEYS.tab, KEYS.tab, 'e');
    await app.waitFor('as MD');
    expect(readFileSync(join(dir, 'exports', 'numbers.md'), 'utf8')).toContain('| perplexity paired | qwen-s | qwen-s/single - qwen-s/multi | log-perplexity difference |');
    expect(existsSync(join(dir, 'exports'))).toBe(true);
  });

  it('names the producing step for missing results, and fills a pane in when its result event arrives', async () => {
    const dir = fixtureSession(tmp.dir, 'demo', ['perplexity']);
    const app = await openResults();
    await app.waitFor('no preference results yet: run the preference step');
    expect(app.frame()).toContain('no diversity results yet: run the diversity step');
    expect(app.frame()).toContain('2/6 panes have data');
    await app.press(KEYS.tab, 'e');
    await app.waitFor('nothing to export yet: no diversity results yet: run the diversity step');

    writeResult(dir, 'diversity');
    appendResultEvent(dir, 'diversity');
    await app.waitFor('4/6 panes have data');
    expect(app.frame()).toContain('Diversity of answers · 1/12 lexical diversity');
    expect(app.frame()).toContain('1/7 all conditions');
    expect(app.frame()).toContain('lexical diversity +7.5');
  });

  it('under NO_COLOR and --ascii draws no colour, box drawing or other non-ASCII characters', async () => {
    fixtureSession(tmp.dir, 'demo', ALL);
    const app = await openResults({ ascii: true, env: { NO_COLOR: '1' } });
    await app.waitFor('Numbers');
    const frames = [app.raw()];
    await app.press(KEYS.tab, KEYS.tab, KEYS.enter);
    frames.push(app.raw());
    await app.press(KEYS.escape, KEYS.tab, KEYS.enter);
    frames.push(app.raw());
    for (const frame of frames) {
      expect(frame).not.toContain('\u001b');
      expect(frame).not.toMatch(BOX_AND_BLOCKS);
      expect(frame).toMatch(/^[\x20-\x7e\n]*$/);
    }
    expect(frames[1]).toContain('beta=');
  });

  it('draws colour and box drawing by default (the control for the ascii test)', async () => {
    fixtureSession(tmp.dir, 'demo', ALL);
    const app = await openResults();
    await app.waitFor('Numbers');
    expect(app.raw()).toContain('\u001b[');
    expect(app.raw()).toMatch(BOX_AND_BLOCKS);
  });

  it('lists its keys in the help screen', async () => {
    fixtureSession(tmp.dir, 'demo', ALL);
    const app = await openResults({ rows: 200 });
    await app.press('?');
    await app.waitFor('Results: zoomed pane');
    expect(app.frame()).toContain('export what the focused pane shows');
    expect(app.frame()).toContain('Compare');
  });
});

describe('Compare screen', () => {
  let tmp: ReturnType<typeof tempSessionsDir>;
  beforeEach(() => {
    tmp = tempSessionsDir();
  });
  afterEach(() => {
    cleanup();
    tmp.cleanup();
  });

  it('marks a session whose file is broken, rather than asking for a step to be run', async () => {
    fixtureSession(tmp.dir, 'alpha', ALL);
    const broken = fixtureSession(tmp.dir, 'broken', ALL);
    writeFileSync(join(broken, 'session.json'), '{"version": 1,');
    const app = await renderApp({ sessionsDir: tmp.dir, columns: 160, rows: 40 });
    await app.waitFor('alpha');
    await app.press('c');
    await app.waitFor('broken (invalid session file: fix it from the Sessions list)');
    expect(app.frame()).not.toMatch(/alpha \(invalid/);
  });

  it('pairs each further session with the first on the items both measured', async () => {
    const items = Array.from({ length: 30 }, (_, i): Example => ({ id: String(i), instruction: `instruction ${i}`, context: '', response: `response ${i}`, category: 'open_qa' }));
    // Beta's single condition scores every item 10% higher in perplexity than alpha's, give or take a wobble; multi alike.
    const withPerItem = (dir: string, single: (i: number) => number) => {
      const file = sessionPaths(dir).result('perplexity');
      const values = (f: (i: number) => number) => new Map(items.map((e, i) => [e.id, f(i)]));
      const refOf = (kind: 'single' | 'multi') => ({ condition: `qwen-s/${kind}`, target: 'qwen-s', kind });
      const perItem = perItemTable(items, [{ measure: 'log-perplexity', models: [{ ref: refOf('single'), values: values(single) }, { ref: refOf('multi'), values: values((i) => 3 + (i % 4) / 10) }] }]);
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), perItem }));
    };
    withPerItem(fixtureSession(tmp.dir, 'alpha', ALL), (i) => 3 + (i % 3) / 10);
    withPerItem(fixtureSession(tmp.dir, 'beta', ALL), (i) => 3 + (i % 3) / 10 + Math.log(1.1) + (i % 2 ? 0.01 : -0.01));
    const app = await renderApp({ sessionsDir: tmp.dir, columns: 160, rows: 40 });
    await app.waitFor('alpha');
    await app.press('c');
    await app.waitFor('add a second session with Space');
    // The session under the cursor (beta, the newest) comes chosen; choose alpha first instead, then beta: alpha is the reference.
    await app.press(' ', KEYS.down, ' ', KEYS.up, ' ');
    await app.waitFor('2 sessions on one shared scale, each paired with alpha on the items both measured');
    const frame = app.frame();
    expect(frame).toContain('[x] alpha (reference: the others are paired with it)');
    expect(frame).toContain('vs alpha, on shared items: 1 of 2 conditions differ at p<0.05');
    expect(frame).toMatch(/qwen-s\/single: geo-mean perplexity \+10(\.\d)?% \[\+/);
    cleanup();

    // Small terminals: the paired rows never run over the bars (each column's first bar stays whole).
    for (const [columns, rows] of [[80, 24], [60, 16]]) {
      const small = await renderApp({ sessionsDir: tmp.dir, columns, rows });
      await small.waitFor('alpha');
      await small.press('c', ' ', KEYS.down, ' ', KEYS.up, ' ');
      await small.waitFor('vs alpha');
      const lines = small.frame().split('\n');
      expect(lines.length, `${columns}x${rows}`).toBeLessThanOrEqual(rows);
      expect(small.frame().match(/vanilla/g), `${columns}x${rows}:\n${small.frame()}`).toHaveLength(2);
      cleanup();
    }
  });

  it('leaves the bars at least half of a small column: paired lines beyond it wait for a taller terminal', async () => {
    fixtureSession(tmp.dir, 'alpha', ALL);
    fixtureSession(tmp.dir, 'beta', ALL);
    const app = await renderApp({ sessionsDir: tmp.dir, columns: 80, rows: 24 });
    await app.waitFor('alpha');
    await app.press('c', KEYS.down, ' ');
    await app.waitFor('2 sessions on one shared scale');
    // Each column has room for all six bars (and its first paired line); the others are counted.
    const frame = app.frame();
    expect(frame).not.toMatch(/… \d+ more(?! paired)/);
    expect(frame).toMatch(/… \d more paired: e exports them/);
    expect(frame).toContain('within alpha: qwen-s single vs multi:');
    // And the two columns' bars line up row for row: qwen-s single's 30 sits on one row in both.
    const rows30 = frame.split('\n').filter((l) => l.includes('30 n=40'));
    expect(rows30).toHaveLength(1);
    expect(rows30[0].match(/30 n=40/g)).toHaveLength(2);
    expect(frame).toContain('qwen-s single vs multi:');
    expect(frame).not.toContain('qwen-s human vs multi');
    // The export's notice (a long path) takes one row, cut in the middle: the title stays on screen.
    await app.press('e');
    await app.waitFor('exported the comparison');
    const lines = app.frame().split('\n');
    expect(lines[0]).toContain('baskets · Compare');
    expect(lines.length).toBeLessThanOrEqual(24);
    expect(app.frame()).toMatch(/exported the comparison as CSV to .*….*\.csv/);
    // Semantic cosine distance keeps no per-item values: the second column says it is not paired with the reference.
    await app.press(...Array<string>(13).fill('m'));
    await app.waitFor('semantic cosine distance');
    expect(app.frame()).toContain('not paired with beta');
    expect(app.frame()).toContain('[x] beta (reference)');
    expect(app.frame()).not.toContain('the others are paired with it');
  });

  it('puts two sessions side by side on one scale with their paired tests, and exports the comparison', async () => {
    const dirs = [fixtureSession(tmp.dir, 'alpha', ALL), fixtureSession(tmp.dir, 'beta', ['diversity'])];
    const app = await renderApp({ sessionsDir: tmp.dir, columns: 160, rows: 40 });
    await app.waitFor('alpha');
    await app.press('c');
    await app.waitFor('add a second session with Space');
    await app.press(KEYS.down, ' ');
    await app.waitFor('2 sessions on one shared scale');
    let frame = app.frame();
    expect(frame).toContain('[x] alpha');
    expect(frame).toContain('[x] beta');
    expect(frame).toContain('metric 1/20: mean perplexity');
    // The paper's pair first, and wrapped rather than cut: its p and n stay on screen.
    expect(frame).toMatch(/within alpha: qwen-s single vs multi: geo-mean perplexity \+25% \[\+16\.2%, \+35%\]\s*\n\s*\(p=0\.002, n=40\)/);
    // The reference has no perplexity results: nothing pairs, and the column does not claim the metric cannot.
    expect(frame).not.toContain('not paired with');
    expect(frame).toContain('no perplexity results yet: run the perplexity step');

    await app.press('m', 'm', 'm');
    await app.waitFor('metric 4/20: lexical diversity');
    frame = app.frame();
    // Both sessions hold the same diversity file: on one shared scale their bars are identical.
    const bars = frame.split('\n').filter((l) => l.includes('multi') && l.includes('62.5'));
    expect(bars).toHaveLength(1);
    const [left, right] = [bars[0].slice(0, 80), bars[0].slice(80)];
    expect(left.trim()).toBe(right.trim());

    await app.press('e');
    await app.waitFor('exported the comparison as CSV');
    // The export lands in the first compared session's folder, named for the metric it compares.
    const written = dirs.flatMap((d) => (existsSync(join(d, 'exports')) ? readdirSync(join(d, 'exports')).map((f) => join(d, 'exports', f)) : []));
    // Beside the CSV, its inputs: each compared session's files, seed and models.
    expect(written.map((f) => f.split('/').at(-1))).toEqual(['compare-beta-vs-alpha-lexical-diversity-100-self-bleu.csv', 'compare-beta-vs-alpha-lexical-diversity-100-self-bleu.inputs.csv']);
    const inputs = parse(readFileSync(written[1], 'utf8'), { columns: true }) as Record<string, string>[];
    expect(inputs.map((r) => r.input)).toEqual(expect.arrayContaining(['alpha baskets', 'alpha split', 'beta data', 'beta split']));
    const rows = parse(readFileSync(written[0], 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.filter((r) => r.session === 'alpha')).toHaveLength(6);
    expect(rows.filter((r) => r.session === 'beta')).toHaveLength(6);
  });
});
