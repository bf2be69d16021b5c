import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricsCommand } from '../../src/commands/metrics.js';
import { ConfigError } from '../../src/domain/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'baskets-metrics-'));
function file(name: string, lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}
async function run(path: string, opts: { json?: boolean; field?: string } = {}) {
  const out: string[] = [];
  const warnings: string[] = [];
  const code = await metricsCommand(path, { ...opts, out: (s) => out.push(s), warn: (s) => warnings.push(s) });
  return { code, out, warnings };
}

describe('baskets metrics', () => {
  const records = file('r.jsonl', [
    JSON.stringify({ response: 'The cat sat on the mat. The dog sat on the log. A bird sang.', embedding: [1, 0, 0], logprobs: [-1, -1] }),
    JSON.stringify({ response: 'Cats and dogs are friends today. The cat sat on a mat again!', embedding: [0, 1, 0], logprobs: [-2] }),
    '{not json',
    JSON.stringify({ text: 'wrong field' }),
  ]);

  it('prints the public JSON shape, nulls for undefined values, issues with file:line', async () => {
    const { code, out } = await run(records, { json: true });
    expect(code).toBe(0);
    const j = JSON.parse(out[0]);
    for (const key of ['docs', 'tokens', 'types', 'ttr', 'distinct', 'mattr', 'mtld', 'compression_ratio', 'self_bleu', 'lexical_diversity', 'heaps', 'semantic', 'perplexity']) {
      expect(j).toHaveProperty(key);
    }
    expect(Object.keys(j.distinct)).toEqual(['1', '2', '3', '4']);
    expect(j.docs).toBe(2);
    expect(j.heaps.paper).toEqual(expect.objectContaining({ k: null, beta: null }));
    expect(j.reasons['heaps.paper']).toContain('2000 tokens');
    expect(j.semantic.mean_cosine_distance).toBeCloseTo(1, 12);
    expect(j.semantic.vendi).toBeCloseTo(2, 10);
    // mean of exp(1) and exp(2); corpus exp(4/3)
    expect(j.perplexity.mean).toBeCloseTo((Math.E + Math.exp(2)) / 2, 12);
    expect(j.perplexity.corpus).toBeCloseTo(Math.exp(4 / 3), 12);
    expect(j.issues).toEqual([
      expect.stringMatching(/r\.jsonl:3: not valid JSON/),
      expect.stringMatching(/r\.jsonl:4: no string field "response"/),
    ]);
  });

  it('prints an aligned table without --json', async () => {
    const { code, out, warnings } = await run(records);
    expect(code).toBe(0);
    expect(out).toHaveLength(1); // the records' problems go to stderr, never into the table
    const table = out[0].split('\n');
    const col = table[0].search(/\S+$/);
    expect(table.find((l) => l.startsWith('TTR'))!.search(/\S+$/)).toBe(col);
    expect(warnings.some((l) => l.startsWith('warning:') && l.includes(':3:'))).toBe(true);
  });

  it('refuses a missing file or field with a one-line usage error', async () => {
    await expect(run(join(dir, 'nope.jsonl'))).rejects.toThrow(/^\S*nope\.jsonl does not exist or is not a file: give the path of a JSONL file of records$/);
    await expect(run(records, { field: 'answer' })).rejects.toThrow(/no record .* has a string field "answer": choose the text field with --field/);
    await expect(run(records, { field: 'answer' })).rejects.toBeInstanceOf(ConfigError);
    const mixed = file('mixed.jsonl', [JSON.stringify({ response: 'a b. c d.', embedding: [1, 0] }), '', JSON.stringify({ response: 'e f. g h.', embedding: [1, 0, 0] })]);
    await expect(run(mixed)).rejects.toThrow(/mixed\.jsonl:3: "embedding" has 3 dimensions but the one on line 1 has 2: all vectors must come from one model$/);
  });
});
