import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../../src/pipeline/store.js';
import { KEYS, renderApp, tempSessionsDir } from './render.js';

// A dataset row carrying a CSI clear-screen, an OSC 52 clipboard write and an OSC 8 hyperlink.
const EVIL = {
  instruction: 'Explain eggs\u001b[2J in baskets',
  context: 'copy \u001b]52;c;cm0gLXJmIH4=\u0007this',
  response: 'see \u001b]8;;https://evil.example\u001b\\the link\u001b]8;;\u001b\\ here',
  category: 'open_qa',
};

describe('new-session wizard', () => {
  let tmp: ReturnType<typeof tempSessionsDir>;
  let dataset: string;
  beforeEach(() => {
    tmp = tempSessionsDir();
    dataset = join(tmp.dir, 'rows.jsonl');
    const plain = { instruction: 'Name a bird', context: '', response: 'A robin.', category: 'open_qa' };
    writeFileSync(dataset, [EVIL, plain].map((r) => JSON.stringify(r)).join('\n') + '\n');
  });
  afterEach(() => {
    cleanup();
    tmp.cleanup();
  });

  it('goes from an empty folder to a saved, valid session with keystrokes only', async () => {
    const sessions = join(tmp.dir, 'sessions');
    const app = await renderApp({ sessionsDir: sessions });
    await app.press('n', 'study1', KEYS.enter);
    await app.waitFor('[1] Data');

    // Rows: name, description, dataset. Switch the dataset to a file and give its path.
    await app.press(KEYS.down, KEYS.down, KEYS.enter);
    await app.waitFor('give the path of a .jsonl');
    await app.press(KEYS.down, KEYS.enter, join(tmp.dir, 'nope.jsonl'), KEYS.enter);
    await app.waitFor('no such file');
    await app.press(KEYS.enter, '\u0015', dataset, KEYS.enter);
    await app.waitFor('Preview: first 2 records');
    const preview = app.raw();
    expect(preview).toContain('found');
    expect(preview).toContain('Explain eggs in baskets');
    expect(preview).toContain('the link');
    expect(preview).not.toContain('\u001b[2J');
    expect(preview).not.toContain(']52;');
    expect(preview).not.toContain(']8;;');
    expect(preview).not.toContain('\u0007');

    // Seed: a non-number is refused with a reason, a number is kept.
    // From the file row past the 4 field rows, the history and conversation fields, the multi-turn
    // policy and the test fraction to the seed.
    await app.press(...Array<string>(9).fill(KEYS.down));
    await app.press(KEYS.enter, '\u0015', 'abc', KEYS.enter);
    await app.waitFor('seed: a whole number');
    await app.press(KEYS.enter, '\u0015', '77', KEYS.enter);

    await app.press(KEYS.tab);
    await app.waitFor('[2] Models');
    await app.press('a'); // founders-small, source+target
    await app.waitFor('added founders-small');
    await app.press(KEYS.down, KEYS.enter, 'a'); // base → moderns-small
    await app.waitFor('added moderns-small');

    await app.press(KEYS.tab);
    await app.waitFor('[3] Conditions');
    // founders-small: vanilla, human, single, multi.
    await app.press(KEYS.down, KEYS.enter, KEYS.down, KEYS.enter, KEYS.down, KEYS.enter, KEYS.down, KEYS.enter);
    // its custom mix
    await app.press(KEYS.down, KEYS.enter, 'founders-small:2, moderns-small:1', KEYS.enter);
    await app.press('w');
    await app.waitFor('Run study1');

    const saved = new SessionStore(sessions).load('study1');
    expect(saved.seed).toBe(77);
    expect(saved.data.source).toEqual({ kind: 'file', path: dataset });
    expect(saved.models.map((m) => [m.id, m.family, m.roles])).toEqual([
      ['founders-small', 'founders', ['source', 'target']],
      ['moderns-small', 'moderns', ['source', 'target']],
    ]);
    const byName = Object.fromEntries(saved.conditions.map((c) => [c.name, c.sources.map((s) => `${s.model}:${s.weight}`)]));
    expect(byName).toEqual({
      'founders-small/vanilla': [],
      'founders-small/human': [],
      'founders-small/single': ['founders-small:1'],
      'founders-small/multi': ['founders-small:1', 'moderns-small:1'],
      'founders-small/mix': ['founders-small:2', 'moderns-small:1'],
    });
  });

  it('says on saving what the models cannot do that a run will need', async () => {
    const checked: string[] = [];
    const problem = 'model "founders-small" cannot score, which the perplexity step needs: serve it with vLLM or SGLang';
    const app = await renderApp({ sessionsDir: join(tmp.dir, 'sessions'), columns: 200, services: { capabilityProblems: async (session) => (checked.push(session.name), [problem]) } });
    await app.press('n', 'checked', KEYS.enter, KEYS.tab, 'a');
    await app.waitFor('added founders-small');
    await app.press(KEYS.tab);
    await app.waitFor('[3] Conditions');
    await app.press(KEYS.down, KEYS.enter, 'w');
    await app.waitFor(`checked cannot run every step yet: ${problem}`);
    expect(checked).toEqual(['checked']);
  });

  it('will not save a session without conditions', async () => {
    const app = await renderApp({ sessionsDir: tmp.dir });
    await app.press('n', 'empty', KEYS.enter, KEYS.tab, 'a', KEYS.tab);
    await app.waitFor('[3] Conditions');
    await app.press('w');
    await app.waitFor('choose at least one condition');
    expect(new SessionStore(tmp.dir).exists('empty')).toBe(false);
  });
});
