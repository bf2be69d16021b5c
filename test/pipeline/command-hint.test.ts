import { describe, expect, it } from 'vitest';
import { basketsCommand } from '../../src/pipeline/command-hint.js';

describe('a command line shown as a hint', () => {
  it('names the sessions folder when it is not ./sessions, so the line copied as shown finds the session', () => {
    expect(basketsCommand('attach demo', '/work/sessions', '/work')).toBe('baskets attach demo');
    expect(basketsCommand('attach demo', 'sessions', '/work')).toBe('baskets attach demo');
    expect(basketsCommand('attach demo', '/data/studies', '/work')).toBe('baskets attach demo --sessions /data/studies');
    expect(basketsCommand('run demo', 'studies', '/work')).toBe('baskets run demo --sessions /work/studies');
  });

  it('quotes a folder a shell would split or expand', () => {
    expect(basketsCommand('cancel x', "/data/it's mine", '/work')).toBe(`baskets cancel x --sessions '/data/it'\\''s mine'`);
    expect(basketsCommand('cancel x', '/data/$HOME', '/work')).toBe(`baskets cancel x --sessions '/data/$HOME'`);
  });
});
