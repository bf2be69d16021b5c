import { cleanup } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asciiText } from '../../src/charts/index.js';
import { KEYS, renderApp, tempSessionsDir } from '../tui/render.js';
import { fixtureSession } from './fixtures.js';

const ALL = ['perplexity', 'diversity', 'safety', 'preference'] as const;

/** The lines inside the Numbers pane's border (its title row first). */
const numbersPane = (frame: string) => {
  const lines = frame.split('\n');
  const top = lines.findIndex((l) => l.includes('Numbers'));
  const bottom = lines.findIndex((l, i) => i > top && /^╰/.test(l));
  return lines.slice(top, bottom);
};

describe('reading the results: which way is better, a glossary, and / filters', () => {
  let tmp: ReturnType<typeof tempSessionsDir>;
  beforeEach(() => {
    tmp = tempSessionsDir();
    fixtureSession(tmp.dir, 'demo', ALL);
  });
  afterEach(() => {
    cleanup();
    tmp.cleanup();
  });

  async function openResults(rows = 60, ascii = false) {
    const app = await renderApp({ sessionsDir: tmp.dir, columns: 200, rows, ascii });
    await app.waitFor('demo');
    await app.press('v');
    await app.waitFor('Numbers');
    return app;
  }

  it('says on every bar pane which way is better, and draws bars from zero', async () => {
    const app = await openResults();
    const frame = app.frame();
    expect(frame).toContain('↓ better: fits human text'); // perplexity
    expect(frame).toContain('↑ better'); // lexical diversity
    expect(frame).toContain('0 best: no bias'); // SPB and PSB
    expect(frame).toContain('higher β: the vocabulary keeps growing');
    // The Numbers pane marks each measure, and its header says what the marks mean.
    expect(frame).toMatch(/condition +measure \(↑↓/);
    expect(frame).toMatch(/↓ mean perplexity/);
    // Danger zone in its bar view: lower is better.
    await app.press(KEYS.tab, KEYS.tab, KEYS.tab, 'm');
    await app.waitFor('↓ better');
  });

  it('filters the Numbers pane with /, keeps the filter on Enter, and clears it with Esc', async () => {
    const app = await openResults();
    await app.press(KEYS.shiftTab); // the Numbers pane
    const total = Number(/(\d+) more rows/.exec(app.frame())![1]);
    await app.press('/');
    await app.press('Vendi qwen-s/multi');
    await app.waitFor(/\/Vendi qwen-s\/multi_: 1 of \d+ rows/);
    await app.press(KEYS.enter);
    await app.waitFor(/\/Vendi qwen-s\/multi: 1 of \d+ rows/);
    const pane = numbersPane(app.frame());
    expect(pane.filter((l) => l.includes('↑ Vendi score'))).toHaveLength(1);
    expect(pane.join('\n')).toContain('qwen-s/multi');
    expect(pane.join('\n')).not.toContain('mean perplexity');
    expect(pane.join('\n')).not.toContain('more rows');
    // Esc clears the filter first, and only then leaves the screen.
    await app.press(KEYS.escape);
    await app.waitFor(`+${total} more rows`);
    expect(app.frame()).toContain('Results of demo');
    expect(app.frame()).not.toContain('/Vendi');
  });

  it('says which pane / filters when another has focus', async () => {
    const app = await openResults();
    await app.press('/');
    await app.waitFor('/ filters the Numbers pane: Tab to it');
  });

  it('explains every metric and abbreviation in help, and filters help with /', async () => {
    const app = await openResults(300);
    await app.press('?');
    await app.waitFor('Glossary');
    const frame = app.frame();
    for (const term of ['perplexity', 'distinct-n', 'Self-BLEU', 'compression ratio', 'MTLD', 'Vendi score', 'cosine distance', 'K, β (Heaps)', 'danger zone', 'SPB', 'PSB', 'MATTR', 'TTR', 'position bias']) {
      expect(frame).toMatch(new RegExp(`^  ${term.replace(/[()]/g, '\\$&')}\\s+\\S`, 'm'));
    }
    expect(frame).toContain('self-preference bias');
    expect(frame).toContain('pro-synthetic bias');
    await app.press('/', 'vendi');
    await app.waitFor(/\/vendi_: 1 of \d+ rows/);
    await app.press(KEYS.enter);
    await app.waitFor(/\/vendi: 1 of \d+ rows/);
    expect(app.frame()).toContain('the effective number of distinct answers');
    expect(app.frame()).not.toContain('pro-synthetic bias');
    expect(app.frame()).not.toContain('Everywhere');
    await app.press(KEYS.escape);
    await app.waitFor('Everywhere');
    expect(app.frame()).toContain('pro-synthetic bias');
    // With the filter gone, Esc goes back.
    await app.press(KEYS.escape);
    await app.waitFor('Results of demo');
  });

  it('writes the glossary in plain characters under --ascii, marks included', async () => {
    const app = await openResults(300, true);
    await app.press('?');
    await app.waitFor('Glossary');
    // What the terminal gets: --ascii passes every frame through asciiText on its way out.
    const glossary = asciiText(app.frame().slice(app.frame().indexOf('Glossary')));
    expect(glossary).toMatch(/^ {2}hi lo 0 +beside a measure/m);
    expect(glossary).toContain('K, b (Heaps)');
    // Nothing became a '?' for want of a plain stand-in.
    expect(glossary.split('\n').filter((l) => l.startsWith('  ')).join('\n')).not.toContain('?');
  });
});
