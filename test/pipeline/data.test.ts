import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { loadDatasetFile } from '../../src/pipeline/data/load.js';
import { splitExamples } from '../../src/pipeline/data/split.js';
import type { RunEvent } from '../../src/domain/events.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { runSession } from '../../src/pipeline/runner.js';
import { dataStep } from '../../src/pipeline/steps/data.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { SHARED_DOLLY_FILE, sharedData, useTempDir } from '../helpers/tmp.js';

const DOLLY = sharedData(SHARED_DOLLY_FILE);

const tmp = useTempDir();
const fields = { instruction: 'instruction', context: 'context', response: 'response', category: 'category' };

describe.skipIf(!DOLLY)('the shared Dolly sample', () => {
  it('loads all 387 records with Dolly fields by default', async () => {
    const { examples, issues } = await loadDatasetFile(DOLLY!, { fields });
    expect(issues).toEqual([]);
    expect(examples).toHaveLength(387);
    expect(new Set(examples.map((e) => e.category)).size).toBe(8);
    expect(examples[0].instruction).toContain('Lumi');
  });
});

describe('loading datasets', () => {
  it('maps other field names and reports malformed lines with file and line', async () => {
    const file = join(tmp(), 'd.jsonl');
    const huge = 'x'.repeat(2_000_000);
    writeFileSync(
      file,
      [
        JSON.stringify({ prompt: 'Say hi', answer: 'hi' }),
        '{"prompt": "broken',
        JSON.stringify({ prompt: 'No answer' }),
        '',
        JSON.stringify({ prompt: 'Long', answer: huge, ctx: 'c', kind: 'k' }),
        JSON.stringify(['not', 'an', 'object']),
      ].join('\n'),
    );
    const mapped = { instruction: 'prompt', response: 'answer', context: 'ctx', category: 'kind' };
    const { examples, issues } = await loadDatasetFile(file, { fields: mapped });
    expect(examples.map((e) => e.instruction)).toEqual(['Say hi', 'Long']);
    expect(examples[1]).toMatchObject({ id: '5', context: 'c', category: 'k' });
    expect(examples[1].response).toHaveLength(2_000_000);
    expect(issues.map((i) => `${i.line}: ${i.reason}`)).toEqual([
      expect.stringMatching(/^2: not valid JSON/),
      '3: missing field "answer" (map the response field)',
      '6: not an object',
    ]);
    await expect(loadDatasetFile(file, { fields: mapped, strict: true })).rejects.toThrow(/d\.jsonl:2: not valid JSON.*--strict/);
  });

  it('reads CSV with a real parser (quotes, commas and newlines inside fields)', async () => {
    const file = join(tmp(), 'd.csv');
    writeFileSync(file, 'instruction,context,response\n"Hello, world","",hi\n"multi\nline","ctx ""quoted""",ok\nonly-one-column\n');
    const { examples, issues } = await loadDatasetFile(file, { fields });
    expect(examples.map((e) => [e.instruction, e.context, e.response])).toEqual([
      ['Hello, world', '', 'hi'],
      ['multi\nline', 'ctx "quoted"', 'ok'],
    ]);
    expect(issues).toHaveLength(1);
    expect(issues[0].reason).toMatch(/missing field "response"/);
  });

  it('reads Parquet', async () => {
    const file = join(tmp(), 'd.parquet');
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'instruction', data: ['a?', 'b?'], type: 'STRING' },
        { name: 'response', data: ['A.', 'B.'], type: 'STRING' },
      ],
    });
    writeFileSync(file, Buffer.from(buf));
    const { examples } = await loadDatasetFile(file, { fields });
    expect(examples.map((e) => e.response)).toEqual(['A.', 'B.']);
  });

  it('says what to do about a missing file or an unknown format', async () => {
    await expect(loadDatasetFile('/nope/x.jsonl', { fields })).rejects.toThrow(/not found.*data\.source\.path/);
    const file = join(tmp(), 'd.txt');
    writeFileSync(file, 'x');
    await expect(loadDatasetFile(file, { fields })).rejects.toThrow(/cannot tell the format/);
  });
});

describe('splitting', () => {
  const examples = Array.from({ length: 100 }, (_, i) => ({ id: String(i), instruction: `q${i}`, context: '', response: `a${i}`, category: '' }));

  it('is seeded: same seed same split, other seed other split, no overlap', () => {
    const a = splitExamples(examples, { seed: 1, testFraction: 0.2 });
    const b = splitExamples(examples, { seed: 1, testFraction: 0.2 });
    const c = splitExamples(examples, { seed: 2, testFraction: 0.2 });
    expect(a.test.map((e) => e.id)).toEqual(b.test.map((e) => e.id));
    expect(a.test.map((e) => e.id)).not.toEqual(c.test.map((e) => e.id));
    expect(a.test).toHaveLength(20);
    expect(a.train).toHaveLength(80);
    const testIds = new Set(a.test.map((e) => e.id));
    expect(a.train.some((e) => testIds.has(e.id))).toBe(false);
  });

  it('subsamples before splitting', () => {
    const s = splitExamples(examples, { seed: 3, testFraction: 0.1, subsample: 30 });
    expect(s.train.length + s.test.length).toBe(30);
    expect(s.test).toHaveLength(3);
  });
});

describe('the data step', () => {
  it('refuses a split with an empty side, saying which and what to change, and writes no split', async () => {
    const store = new SessionStore(tmp());
    store.create({ version: 1, name: 's', createdAt: 'now', data: { source: { kind: 'builtin', name: 'sotu-continuations' }, subsample: 1, testFraction: 0.1 } });
    const events: RunEvent[] = [];
    const outcome = await runSession({ store, name: 's', steps: ['data'], registry: { data: dataStep }, models: () => ({}) as never, onEvent: (e) => events.push(e) });
    expect(outcome).toBe('failed');
    expect(events.find((e) => e.type === 'step-finish')).toMatchObject({
      status: 'failed',
      error: 'the test split of 1 record at test fraction 0.1 is empty: raise data.subsample or move data.testFraction away from 0',
    });
    expect(existsSync(sessionPaths(store.dir('s')).split)).toBe(false);
  });
});
