import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { loadDatasetFile } from '../../src/pipeline/data/load.js';
import { promptMessages, conversationText } from '../../src/domain/example.js';
import type { RunEvent } from '../../src/domain/events.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { runSession } from '../../src/pipeline/runner.js';
import type { MultiTurnPolicy } from '../../src/domain/session.js';
import { dataStep } from '../../src/pipeline/steps/data.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir();
/** Alpaca layout as LLaMA-Factory ships LIMA: the last exchange in instruction/output, earlier ones in history. */
const alpaca = { instruction: 'instruction', context: 'input', response: 'output', category: 'category', history: 'history' };

function alpacaFile(): string {
  const file = join(tmp(), 'lima.jsonl');
  const rows = [
    { instruction: 'What is a haiku?', input: '', output: 'A short poem.', history: [] },
    { instruction: 'Write one about rain.', input: '', output: 'Rain on the roof…', history: [['What is a haiku?', 'A short poem.']] },
    { instruction: 'Another?', input: '', output: 'Snow falls…', history: [['Hi', 'Hello!'], ['Write a haiku.', 'Leaves fall…']] },
  ];
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

describe('multi-turn records', () => {
  it('keep their earlier turns as chat turns by default, and are counted', async () => {
    const { examples, issues, multiTurn } = await loadDatasetFile(alpacaFile(), { fields: alpaca });
    expect(issues).toEqual([]);
    expect(multiTurn).toBe(2);
    expect(examples[0].history).toBeUndefined();
    expect(examples[2].history).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'Write a haiku.' },
      { role: 'assistant', content: 'Leaves fall…' },
    ]);
    // What a model is asked: the earlier turns, then the instruction.
    expect(promptMessages(examples[1])).toEqual([
      { role: 'user', content: 'What is a haiku?' },
      { role: 'assistant', content: 'A short poem.' },
      { role: 'user', content: 'Write one about rain.' },
    ]);
    expect(conversationText(examples[1])).toBe('User: What is a haiku?\n\nAssistant: A short poem.\n\nUser: Write one about rain.');
    expect(conversationText(examples[0])).toBe('What is a haiku?');
  });

  it('follow the policy: last-turn drops the earlier turns, skip drops the record', async () => {
    const last = await loadDatasetFile(alpacaFile(), { fields: alpaca, multiTurn: 'last-turn' });
    expect(last.examples.map((e) => [e.instruction, e.history])).toEqual([
      ['What is a haiku?', undefined],
      ['Write one about rain.', undefined],
      ['Another?', undefined],
    ]);
    const skip = await loadDatasetFile(alpacaFile(), { fields: alpaca, multiTurn: 'skip' });
    expect(skip.examples.map((e) => e.id)).toEqual(['1']);
    expect(skip.multiTurn).toBe(2);
  });

  it('read a whole conversation field in the OpenAI, ShareGPT and LIMA layouts', async () => {
    const file = join(tmp(), 'chats.jsonl');
    const rows = [
      { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello.' }] },
      { messages: [{ from: 'human', value: 'A?' }, { from: 'gpt', value: 'B.' }, { from: 'human', value: 'C?' }, { from: 'gpt', value: 'D.' }] },
      { messages: ['one?', 'two.', 'three?', 'four.'] },
      { messages: [{ role: 'user', content: 'Only a question' }] },
      { messages: [{ role: 'narrator', content: '?' }] },
    ];
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n'));
    const { examples, issues, multiTurn } = await loadDatasetFile(file, { fields: { ...alpaca, messages: 'messages' } });
    expect(examples.map((e) => [e.instruction, e.response, e.history?.length ?? 0])).toEqual([
      ['Hi', 'Hello.', 1],
      ['C?', 'D.', 2],
      ['three?', 'four.', 2],
    ]);
    expect(examples[0].history).toEqual([{ role: 'system', content: 'Be brief.' }]);
    expect(multiTurn).toBe(3);
    expect(issues.map((i) => `${i.line}: ${i.reason}`)).toEqual([
      '4: field "messages" has no assistant turn to learn',
      '5: field "messages" turn 1 has an unknown speaker "narrator" (use user/assistant, human/gpt or system)',
    ]);
  });

  it('read history held as JSON text in CSV and Parquet cells', async () => {
    const history = JSON.stringify([['What is 2+2?', '4.']]);
    const csv = join(tmp(), 'd.csv');
    writeFileSync(csv, `instruction,output,history\n"And 3+3?",6.,"${history.replaceAll('"', '""')}"\n`);
    const parquet = join(tmp(), 'd.parquet');
    writeFileSync(
      parquet,
      Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: 'instruction', data: ['And 3+3?'], type: 'STRING' },
            { name: 'output', data: ['6.'], type: 'STRING' },
            { name: 'history', data: [history], type: 'STRING' },
          ],
        }),
      ),
    );
    for (const file of [csv, parquet]) {
      const { examples } = await loadDatasetFile(file, { fields: alpaca });
      expect(examples[0].history).toEqual([
        { role: 'user', content: 'What is 2+2?' },
        { role: 'assistant', content: '4.' },
      ]);
    }
  });

  it('with malformed history are reported with their line, not half-used', async () => {
    const file = join(tmp(), 'bad.jsonl');
    writeFileSync(
      file,
      [
        { instruction: 'a', output: 'b', history: 'not a list' },
        { instruction: 'a', output: 'b', history: [['only one side']] },
        { instruction: 'a', output: 'b', history: [{ role: 'assistant', content: 'first' }, { role: 'user', content: 'second' }] },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const { examples, issues } = await loadDatasetFile(file, { fields: alpaca });
    expect(examples).toEqual([]);
    expect(issues.map((i) => `${i.line}: ${i.reason}`)).toEqual([
      '1: field "history" is not a list of turns (map the history field, or set it to a field that does not exist)',
      '2: field "history" turn 1 is not an [instruction, response] pair (map the history field, or set it to a field that does not exist)',
      "3: field \"history\": turn 1 is the assistant's where the user's belongs (turns alternate, user first)",
    ]);
  });
});

describe('the data step with multi-turn records', () => {
  async function runData(policy: MultiTurnPolicy) {
    const store = new SessionStore(tmp());
    const file = join(tmp(), 'many.jsonl');
    const rows = Array.from({ length: 20 }, (_, i) => ({ instruction: `q${i}`, input: '', output: `a${i}`, history: i % 4 === 0 ? [[`earlier ${i}`, `reply ${i}`]] : [] }));
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n'));
    store.create({ version: 1, name: 's', createdAt: 'now', data: { source: { kind: 'file', path: file }, fields: alpaca, multiTurn: policy, testFraction: 0.2 } });
    const events: RunEvent[] = [];
    expect(await runSession({ store, name: 's', steps: ['data'], registry: { data: dataStep }, models: () => ({}) as never, onEvent: (e) => events.push(e) })).toBe('done');
    const paths = sessionPaths(store.dir('s'));
    const summary = events.find((e) => e.type === 'summary');
    const train = readFileSync(paths.humanTrain, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    return { summary: summary && 'text' in summary ? summary.text : '', split: JSON.parse(readFileSync(paths.split, 'utf8')), train };
  }

  it('says in its summary and the split file how many records were multi-turn and what became of them', async () => {
    const kept = await runData('history');
    expect(kept.summary).toBe('20 records → 16 train / 4 test; 5 multi-turn records kept with their earlier turns');
    expect(kept.split.multiTurn).toEqual({ records: 5, policy: 'history' });
    expect(kept.train.some((e) => e.history)).toBe(true);

    const skipped = await runData('skip');
    expect(skipped.summary).toBe('15 records → 12 train / 3 test; 5 multi-turn records skipped');
    expect(skipped.train.some((e) => e.history)).toBe(false);
  });
});
