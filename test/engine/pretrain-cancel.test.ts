import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openBuiltinModel } from '../../src/engines/builtin/index.js';

/**
 * Pretraining a builtin base takes seconds of CPU; a cancel must reach it in every phase, not
 * wait for the phase to end, and leave nothing that spoils the next first use.
 */

const BASE = 'founders-small';
const question = [{ role: 'user' as const, content: 'What is a basket?' }];
const freshCache = () => mkdtempSync(join(tmpdir(), 'baskets-pretrain-cancel-'));

describe('a cancel during pretraining', () => {
  it.each(['training tokenizer', 'counting'])('stops in the "%s" phase, reporting nothing after it, and the next use pretrains the same model', { timeout: 120_000 }, async (phase) => {
    const cacheDir = freshCache();
    const cancel = new AbortController();
    const afterCancel: string[] = [];
    const opening = openBuiltinModel(BASE, {
      cacheDir,
      signal: cancel.signal,
      onProgress: (p) => {
        if (cancel.signal.aborted) afterCancel.push(`${p.phase} ${p.done}/${p.total}`);
        else if (p.phase.includes(phase)) cancel.abort(new Error('cancelled by the user'));
      },
    });
    await expect(opening).rejects.toThrow(/cancelled/);
    expect(cancel.signal.aborted).toBe(true);
    expect(afterCancel).toEqual([]);

    const resumed = await openBuiltinModel(BASE, { cacheDir });
    const reference = await openBuiltinModel(BASE, { cacheDir: freshCache() });
    expect(await resumed.score(question, 'A woven container for eggs.')).toEqual(await reference.score(question, 'A woven container for eggs.'));
  });
});
