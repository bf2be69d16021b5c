import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlAppender, readJsonlAll, repairTruncatedTail, type JsonlIssue } from '../../src/util/jsonl.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir();
const line = (r: unknown) => JSON.stringify(r) + '\n';

describe('a JSONL file whose writer died mid-line', () => {
  it('loses only the cut line, and the next appender continues with whole records and no parse issues', async () => {
    const file = join(tmp(), 'answers.jsonl');
    const whole = line({ key: 'a', response: 'first' }) + line({ key: 'b', response: 'zweite Antwort — naïve' });
    const cut = '{"key":"c","response":"half an ans';
    writeFileSync(file, whole + cut);

    const appender = new JsonlAppender(file); // repairs on open
    appender.append({ key: 'c', response: 'asked again' });
    appender.close();

    const issues: JsonlIssue[] = [];
    const rows = await readJsonlAll<{ key: string }>(file, { onIssue: (i) => issues.push(i) });
    expect(issues).toEqual([]);
    expect(rows.map((r) => r.key)).toEqual(['a', 'b', 'c']);
    expect(readFileSync(file, 'utf8')).toBe(whole + line({ key: 'c', response: 'asked again' }));
  });

  it('puts the records of one turn of the event loop on disk together, in order, before the next turn, as they were when appended', async () => {
    const file = join(tmp(), 'answers.jsonl');
    const appender = new JsonlAppender(file);
    const first = { key: 'a', response: 'first' };
    appender.append(first);
    appender.append({ key: 'b', response: 'second' });
    first.response = 'changed after it was appended';
    await new Promise((resolve) => setImmediate(resolve));
    expect(readFileSync(file, 'utf8')).toBe(line({ key: 'a', response: 'first' }) + line({ key: 'b', response: 'second' }));
    appender.append({ key: 'c', response: 'third' });
    appender.close(); // writes what the turn still holds
    expect((await readJsonlAll<{ key: string }>(file)).map((r) => r.key)).toEqual(['a', 'b', 'c']);
    expect(() => appender.append({ key: 'd' })).toThrow(/was closed/);
  });

  it('reports the bytes dropped, leaves a whole file alone, and empties a file holding only a cut line', () => {
    const dir = tmp();
    const whole = join(dir, 'whole.jsonl');
    writeFileSync(whole, line({ key: 'a' }));
    expect(repairTruncatedTail(whole)).toBe(0);
    expect(readFileSync(whole, 'utf8')).toBe(line({ key: 'a' }));

    const cut = join(dir, 'cut.jsonl');
    writeFileSync(cut, line({ key: 'a' }) + '{"key":"b"');
    expect(repairTruncatedTail(cut)).toBe('{"key":"b"'.length);

    const only = join(dir, 'only.jsonl');
    writeFileSync(only, '{"key":"a","resp');
    expect(repairTruncatedTail(only)).toBe(16);
    expect(readFileSync(only, 'utf8')).toBe('');
    expect(repairTruncatedTail(join(dir, 'absent.jsonl'))).toBe(0);
  });

  it('finds the last newline behind a cut line longer than its read chunk, and a cut inside a multibyte character', () => {
    const dir = tmp();
    const long = join(dir, 'long.jsonl');
    const head = line({ key: 'a' });
    const tail = `{"key":"b","response":"${'x'.repeat(200_000)}`;
    writeFileSync(long, head + tail);
    expect(repairTruncatedTail(long)).toBe(tail.length);
    expect(readFileSync(long, 'utf8')).toBe(head);

    const multibyte = join(dir, 'utf8.jsonl');
    const bytes = Buffer.from(head + '{"key":"b","response":"€');
    writeFileSync(multibyte, bytes.subarray(0, bytes.length - 1)); // the euro sign's last byte never made it
    repairTruncatedTail(multibyte);
    expect(readFileSync(multibyte, 'utf8')).toBe(head);
  });
});

describe('reading JSONL', () => {
  it('reads a first record behind a byte-order mark', async () => {
    const file = join(tmp(), 'bom.jsonl');
    writeFileSync(file, '\uFEFF' + line({ a: 1 }) + line({ a: 2 }));
    const issues: JsonlIssue[] = [];
    expect(await readJsonlAll(file, { onIssue: (i) => issues.push(i) })).toEqual([{ a: 1 }, { a: 2 }]);
    expect(issues).toEqual([]);
  });
});
