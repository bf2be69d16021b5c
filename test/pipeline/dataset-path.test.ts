import { writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDatasetFile } from '../../src/pipeline/data/load.js';
import { absoluteDatasetPath, checkDatasetPath } from '../../src/ui/dataset-preview.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir();
const fields = { instruction: 'instruction', context: 'context', response: 'response', category: 'category' };

describe('dataset paths', () => {
  it('are made absolute against the directory baskets runs in, with ~ expanded and empty kept empty', () => {
    expect(absoluteDatasetPath(' data/rows.jsonl ', '/home/me/study')).toBe('/home/me/study/data/rows.jsonl');
    expect(absoluteDatasetPath('../rows.jsonl', '/home/me/study')).toBe('/home/me/rows.jsonl');
    expect(absoluteDatasetPath('/srv/dolly.jsonl', '/home/me')).toBe('/srv/dolly.jsonl');
    expect(absoluteDatasetPath('~/dolly.jsonl', '/anywhere')).toBe(join(homedir(), 'dolly.jsonl'));
    expect(absoluteDatasetPath('  ')).toBe('');
  });

  it('the check and the saved path agree on the file', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'rows.jsonl'), '{}\n');
    expect(checkDatasetPath('rows.jsonl', dir)).toEqual({ ok: true, file: join(dir, 'rows.jsonl') });
  });

  it('a relative path in session.json that does not resolve says where it was looked up and what to set', async () => {
    const dir = tmp();
    await expect(loadDatasetFile('data/rows.jsonl', { fields, baseDir: dir })).rejects.toThrow(
      `dataset file not found: ${join(dir, 'data/rows.jsonl')} (data.source.path "data/rows.jsonl" is relative, so it was looked up from ${dir}) — set data.source.path to the file's absolute path`,
    );
    await expect(loadDatasetFile(join(dir, 'nope.jsonl'), { fields })).rejects.toThrow(/^dataset file not found: \S+nope\.jsonl — set data\.source\.path to the file's absolute path$/);
  });
});
