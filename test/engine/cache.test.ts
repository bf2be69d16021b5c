import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CACHE_FORMAT_VERSION, readPack, writePack } from '../../src/engines/builtin/cache.js';
import { openBuiltinModel } from '../../src/engines/builtin/index.js';
import { clearLoadedBases } from '../../src/engines/builtin/pretrain.js';

/**
 * A cache file is trusted only when it was written by this format version, for this recipe's
 * key, and its checksum holds; anything else is rebuilt (train.test.ts covers a corrupt model
 * pack; here: stale packs, and the tokenizer pack).
 */

const tmp = () => mkdtempSync(join(tmpdir(), 'baskets-pack-'));

/** Rewrite a pack's one-line JSON header, keeping its body. */
function editHeader(path: string, edit: (header: Record<string, unknown>) => void): void {
  const buf = readFileSync(path);
  const nl = buf.indexOf(10);
  const header = JSON.parse(buf.subarray(0, nl).toString('utf8')) as Record<string, unknown>;
  edit(header);
  writeFileSync(path, Buffer.concat([Buffer.from(JSON.stringify(header)), buf.subarray(nl)]));
}

describe('readPack', () => {
  const arrays = { a: Int32Array.from([1, -2, 3]), b: Int32Array.from([7]) };

  it('reads back what writePack wrote, under the same key', () => {
    const path = join(tmp(), 'x.pack');
    writePack(path, 'key-1', { order: 3 }, arrays);
    const pack = readPack<{ order: number }>(path, 'key-1');
    expect(pack?.meta).toEqual({ order: 3 });
    expect(Array.from(pack!.arrays.a)).toEqual([1, -2, 3]);
    expect(Array.from(pack!.arrays.b)).toEqual([7]);
  });

  it.each([
    ['another recipe key', (path: string) => expect(readPack(path, 'key-2')).toBeNull()],
    ['another format version', (path: string) => {
      editHeader(path, (h) => (h.version = CACHE_FORMAT_VERSION - 1));
      expect(readPack(path, 'key-1')).toBeNull();
    }],
    ['metadata changed after writing', (path: string) => {
      editHeader(path, (h) => (h.meta = { order: 4 }));
      expect(readPack(path, 'key-1')).toBeNull();
    }],
    ['a truncated body', (path: string) => {
      writeFileSync(path, readFileSync(path).subarray(0, -4));
      expect(readPack(path, 'key-1')).toBeNull();
    }],
    ['a header that is not JSON', (path: string) => {
      writeFileSync(path, Buffer.concat([Buffer.from('{not json\n'), readFileSync(path)]));
      expect(readPack(path, 'key-1')).toBeNull();
    }],
  ])('treats a pack with %s as absent', (_what, check) => {
    const path = join(tmp(), 'x.pack');
    writePack(path, 'key-1', { order: 3 }, arrays);
    check(path);
  });
});

describe('builtin cache files', () => {
  const msgs = [{ role: 'user' as const, content: 'The Union' }];

  it('rebuild a corrupt tokenizer pack and a stale model pack, and score as before', async () => {
    const dir = tmp();
    const first = await (await openBuiltinModel('founders-small', { cacheDir: dir })).score(msgs, ' is strong.');

    const tokenizerPack = join(dir, 'founders.tokenizer.pack');
    const bytes = readFileSync(tokenizerPack);
    bytes[bytes.length - 3] ^= 0x5a;
    writeFileSync(tokenizerPack, bytes);
    clearLoadedBases();
    const phases: string[] = [];
    const rebuilt = await openBuiltinModel('founders-small', { cacheDir: dir, onProgress: (p) => phases.push(p.phase) });
    expect(phases).toContain('founders: training tokenizer');
    expect(phases.some((p) => p.includes('counting'))).toBe(false); // the model pack was still valid
    expect((await rebuilt.score(msgs, ' is strong.')).logprobs).toEqual(first.logprobs);

    // A pack written for another recipe (its key) or by another format version is stale.
    const modelPack = join(dir, 'founders-small.pack');
    for (const stale of [(h: Record<string, unknown>) => (h.key = `${String(h.key)}-old-recipe`), (h: Record<string, unknown>) => (h.version = CACHE_FORMAT_VERSION + 1)]) {
      editHeader(modelPack, stale);
      clearLoadedBases();
      phases.length = 0;
      const again = await openBuiltinModel('founders-small', { cacheDir: dir, onProgress: (p) => phases.push(p.phase) });
      expect(phases.some((p) => p.includes('counting'))).toBe(true);
      expect((await again.score(msgs, ' is strong.')).logprobs).toEqual(first.logprobs);
    }
    // …and the rebuilt file is trusted again next time.
    clearLoadedBases();
    phases.length = 0;
    await openBuiltinModel('founders-small', { cacheDir: dir, onProgress: (p) => phases.push(p.phase) });
    expect(phases).toEqual([]);
  });
});
