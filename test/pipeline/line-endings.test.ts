import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDatasetFile } from '../../src/pipeline/data/load.js';
import { splitExamples } from '../../src/pipeline/data/split.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('baskets-eol-');
const fields = { instruction: 'instruction', context: 'context', response: 'response', category: 'category' };

/** The same lines written with each line ending: LF, CRLF, and CRLF converted once more ("\r\r\n"). */
const ENDINGS = { lf: '\n', crlf: '\r\n', 'crlf twice': '\r\r\n' } as const;

function writeTwins(lines: string[], ext: string): Record<keyof typeof ENDINGS, string> {
  const dir = tmp();
  const out = {} as Record<keyof typeof ENDINGS, string>;
  for (const [name, eol] of Object.entries(ENDINGS) as [keyof typeof ENDINGS, string][]) {
    out[name] = join(dir, `${name.replace(' ', '-')}.${ext}`);
    writeFileSync(out[name], lines.map((l) => l.replaceAll('\n', eol)).join(eol) + eol);
  }
  return out;
}

async function loadAndSplit(file: string) {
  const { examples, issues } = await loadDatasetFile(file, { fields });
  const split = splitExamples(examples, { seed: 11, testFraction: 0.25, subsample: 20 });
  return { ids: examples.map((e) => e.id), issues: issues.map((i) => `${i.line}: ${i.reason}`), train: split.train.map((e) => e.id), test: split.test.map((e) => e.id) };
}

describe('a data file and its CRLF twin', () => {
  it('JSONL: the same ids, split and line numbers (an error on line 21 says 21)', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => (i === 20 ? '{"instruction": "cut' : JSON.stringify({ instruction: `q${i + 1}`, response: `a${i + 1}` })));
    const files = writeTwins(lines, 'jsonl');
    const lf = await loadAndSplit(files.lf);
    expect(lf.issues).toEqual([expect.stringMatching(/^21: not valid JSON/)]);
    expect(lf.ids).toHaveLength(29);
    expect(lf.ids.at(-1)).toBe('30');
    expect(lf.test).toHaveLength(5);
    expect(await loadAndSplit(files.crlf)).toEqual(lf);
    expect(await loadAndSplit(files['crlf twice'])).toEqual(lf);
  });

  it('JSONL: a record longer than a read, of characters split between reads, arrives whole', async () => {
    const egg = '🥚é'.repeat(60_000); // 360 kB of 4- and 2-byte characters: reads end inside them
    const files = writeTwins([JSON.stringify({ instruction: 'q', response: egg }), JSON.stringify({ instruction: 'q2', response: 'a2' })], 'jsonl');
    for (const file of Object.values(files)) {
      const { examples, issues } = await loadDatasetFile(file, { fields });
      expect(issues).toEqual([]);
      expect(examples.map((e) => e.id)).toEqual(['1', '2']);
      expect(examples[0].response === egg).toBe(true);
    }
  });

  it('CSV with line breaks inside quoted fields: the same ids, split and line numbers', async () => {
    const rows = Array.from({ length: 24 }, (_, i) => (i === 9 ? `q${i + 1},` : `q${i + 1},"answer ${i + 1}\nover two lines"`));
    const files = writeTwins(['instruction,response', ...rows], 'csv');
    const lf = await loadAndSplit(files.lf);
    // Each record takes two lines after the header; the one without a response (the 10th) starts on line 20.
    expect(lf.issues).toEqual(['20: field "response" is empty (map the response field)']);
    expect(lf.ids.slice(0, 3)).toEqual(['3', '5', '7']);
    expect(await loadAndSplit(files.crlf)).toEqual(lf);
    const crlf = await loadDatasetFile(files.crlf, { fields });
    // The text is the file's own: a CRLF inside a quoted field is kept as written.
    expect(crlf.examples[0].response).toBe('answer 1\r\nover two lines');
  });

  it('CSV: a parse error names the line of the fault in either twin', async () => {
    const files = writeTwins(['instruction,response', 'q1,"a\nb"', 'q2,"never closed', 'q3,c'], 'csv');
    for (const file of [files.lf, files.crlf]) {
      await expect(loadDatasetFile(file, { fields })).rejects.toThrow(/opening quote at line 4\b/);
    }
  });
});
