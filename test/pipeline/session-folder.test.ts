import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SessionStore } from '../../src/pipeline/store.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir();

describe('a session copied as a folder (the README: cp -r sessions/vllm-template sessions/my-study)', () => {
  it('takes its name from the folder, so saving writes into the copy and leaves the original alone', () => {
    const root = tmp();
    const store = new SessionStore(root);
    store.create({ version: 1, name: 'vllm-template', createdAt: 'now', description: 'template', data: { source: { kind: 'builtin', name: 'sotu-continuations' } } });
    cpSync(join(root, 'vllm-template'), join(root, 'my-study'), { recursive: true });

    const copy = store.load('my-study');
    expect(copy.name).toBe('my-study');
    store.save({ ...copy, description: 'my own study' });

    const read = (folder: string) => JSON.parse(readFileSync(join(root, folder, 'session.json'), 'utf8')) as { name: string; description: string };
    expect(read('my-study')).toMatchObject({ name: 'my-study', description: 'my own study' });
    expect(read('vllm-template')).toMatchObject({ name: 'vllm-template', description: 'template' });
    expect(store.list().map((s) => s.name).sort()).toEqual(['my-study', 'vllm-template']);
  });
});
