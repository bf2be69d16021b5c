import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../../src/pipeline/store.js';
import { KEYS, renderApp, tempSessionsDir } from './render.js';

describe('the Data cell with multi-turn records', () => {
  let tmp: ReturnType<typeof tempSessionsDir>;
  beforeEach(() => {
    tmp = tempSessionsDir();
    const rows = [
      { instruction: 'Name a bird', context: '', response: 'A robin.', category: 'qa', history: [] },
      { instruction: 'A smaller one?', context: '', response: 'A wren.', category: 'qa', history: [['Name a bird', 'A robin.']] },
    ];
    writeFileSync(join(tmp.dir, 'lima.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  });
  afterEach(() => {
    cleanup();
    tmp.cleanup();
  });

  it('offers the history and conversation fields and the multi-turn policy, and saves the policy chosen', async () => {
    const sessions = join(tmp.dir, 'sessions');
    const app = await renderApp({ sessionsDir: sessions });
    await app.press('n', 'mt', KEYS.enter);
    await app.waitFor('[1] Data');
    await app.press(KEYS.down, KEYS.down, KEYS.enter);
    await app.waitFor('give the path of a .jsonl');
    await app.press(KEYS.down, KEYS.enter, join(tmp.dir, 'lima.jsonl'), KEYS.enter);
    await app.waitFor('Preview: first 2 records');
    const frame = app.frame();
    expect(frame).toMatch(/history field +history \(\d choices\) +earlier \[instruction, response\] pairs or messages/);
    expect(frame).toMatch(/conversation field +\(none\) \(\d choices\) +whole chats/);
    expect(frame).toMatch(/multi-turn records +history \(3 choices\) +earlier turns come before the instruction, as chat/);
    // From the file row: four mapped fields, the history field, the conversation field, then the policy.
    await app.press(KEYS.down, KEYS.down, KEYS.down, KEYS.down, KEYS.down, KEYS.down, KEYS.down, KEYS.enter);
    await app.waitFor('only the last exchange is used');
    await app.press(KEYS.tab, 'a', KEYS.tab);
    await app.waitFor('[3] Conditions');
    await app.press(KEYS.down, KEYS.enter, 'w');
    await app.waitFor('Run mt');
    expect(new SessionStore(sessions).load('mt').data.multiTurn).toBe('last-turn');
  });
});
