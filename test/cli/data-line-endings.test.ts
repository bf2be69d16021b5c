import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { useTempDir } from '../helpers/tmp.js';
import { perCli } from './budget.js';
import { runCli } from './cli.js';

const tmp = useTempDir('baskets-eol-cli-');

/** The ids of a written split file, in order. */
const ids = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);

describe('the data step on a file and its CRLF twins', () => {
  // "\r\r\n" is what a CRLF file converted to CRLF once more holds: it read line 21 as line 41.
  it('JSONL: reports a bad record at its own line and writes the same split', { timeout: perCli(3) }, () => {
    const root = tmp();
    const records = Array.from({ length: 40 }, (_, i) => (i === 20 ? '{"instruction": "cut off' : JSON.stringify({ instruction: `question ${i + 1}`, response: `answer ${i + 1}` })));
    const store = new SessionStore(join(root, 'sessions'));
    const env = { BASKETS_CONFIG_DIR: join(root, 'config'), BASKETS_CACHE_DIR: join(root, 'cache') };
    const split: Record<string, { train: string[]; test: string[] }> = {};
    for (const [name, eol] of [['lf', '\n'], ['crlf', '\r\n'], ['crlf-twice', '\r\r\n']] as const) {
      const file = join(root, `${name}.jsonl`);
      writeFileSync(file, records.join(eol) + eol);
      store.create({ version: 1, name, createdAt: 'now', seed: 5, data: { source: { kind: 'file', path: file }, testFraction: 0.25 } });
      const r = runCli(['run', name, '--steps', 'data', '--headless', '--sessions', store.root], env);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`${file}:21: not valid JSON`);
      expect(r.stdout).toMatch(/39 records → 29 train \/ 10 test \(1 malformed skipped\)/);
      const paths = sessionPaths(store.dir(name));
      split[name] = { train: ids(paths.humanTrain), test: ids(paths.humanTest) };
    }
    expect(split.crlf).toEqual(split.lf);
    expect(split['crlf-twice']).toEqual(split.lf);
    expect(split.lf.test).not.toContain('21');
  });

  it('CSV with answers over several lines: the same line numbers and split', { timeout: perCli(2) }, () => {
    const root = tmp();
    const rows = Array.from({ length: 30 }, (_, i) => (i === 10 ? `question ${i + 1},` : `question ${i + 1},"answer ${i + 1}\nwith a second line"`));
    const store = new SessionStore(join(root, 'sessions'));
    const env = { BASKETS_CONFIG_DIR: join(root, 'config'), BASKETS_CACHE_DIR: join(root, 'cache') };
    const split: Record<string, { train: string[]; test: string[] }> = {};
    for (const [name, eol] of [['lf', '\n'], ['crlf', '\r\n']] as const) {
      const file = join(root, `${name}.csv`);
      writeFileSync(file, ['instruction,response', ...rows].join('\n').replaceAll('\n', eol) + eol);
      store.create({ version: 1, name, createdAt: 'now', seed: 5, data: { source: { kind: 'file', path: file }, testFraction: 0.25 } });
      const r = runCli(['run', name, '--steps', 'data', '--headless', '--sessions', store.root], env);
      expect(r.code).toBe(0);
      // The 11th record, on line 22 after the header and ten two-line records.
      expect(r.stdout).toContain(`${file}:22: field "response" is empty`);
      const paths = sessionPaths(store.dir(name));
      split[name] = { train: ids(paths.humanTrain), test: ids(paths.humanTest) };
    }
    expect(split.crlf).toEqual(split.lf);
  });
});
