import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBuiltinBases } from '../../src/engines/builtin/index.js';
import { startServer } from '../../src/engines/serve/index.js';
import { generateStep } from '../../src/pipeline/steps/generate.js';
import { dollyExamples, makeSession, openaiSource, readRows, runStep } from './fixture.js';

const base = listBuiltinBases()[0].id;
let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, models: [base] });
});
afterAll(() => server.close());

describe('generate keys follow the instructions, not their line numbers', () => {
  it('re-asks exactly the examples whose instruction or context changed, and nothing for unrelated edits', async () => {
    const examples = dollyExamples(8);
    const source = openaiSource('src', server.url, base);
    const s = makeSession([source], examples);
    expect((await runStep(generateStep, s)).error).toBeUndefined();
    const file = s.paths.synthetic('src');
    expect(readRows(file)).toHaveLength(8);

    // Unrelated edits: replicas, concurrency, pricing. Nothing is re-requested.
    const unrelated = makeSession(
      [{ ...source, engine: { ...source.engine, baseUrls: [server.url, server.url], concurrency: 3, pricing: { prompt: 1, completion: 2 } } }],
      examples,
      s.dir,
    );
    expect((await runStep(generateStep, unrelated)).error).toBeUndefined();
    expect(readRows(file)).toHaveLength(8);

    // The dataset was edited (or its fields remapped): same ids, other text for two of them.
    const edited = examples.map((e, i) => (i === 2 ? { ...e, instruction: `${e.instruction} Answer in one sentence.` } : i === 5 ? { ...e, context: `${e.context} (revised)` } : e));
    const again = makeSession([source], edited, s.dir);
    expect((await runStep(generateStep, again)).error).toBeUndefined();
    const rows = readRows(file);
    expect(rows).toHaveLength(10);
    expect(rows.slice(8).map((r) => r.exampleId).sort()).toEqual([examples[2].id, examples[5].id].sort());
    expect(new Set(rows.map((r) => r.key)).size).toBe(10);
  });
});
