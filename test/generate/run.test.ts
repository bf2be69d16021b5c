import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBuiltinBases } from '../../src/engines/builtin/index.js';
import { startServer } from '../../src/engines/serve/index.js';
import type { StepEvent } from '../../src/domain/events.js';
import { generateStep } from '../../src/pipeline/steps/generate.js';
import { paramsHashOf } from '../../src/pipeline/generation/answer-keys.js';
import { readSyntheticAnswers } from '../../src/pipeline/generation/answers.js';
import { dollyExamples, makeSession, openaiSource, readRows, runStep } from './fixture.js';

const bases = listBuiltinBases().slice(0, 3).map((b) => b.id);
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, models: bases });
});
afterAll(() => server.close());

const sources = () => bases.map((b, i) => openaiSource(`src${i}`, server.url, b));

function expectEachKeyOnce(rows: { key: string }[], expected: number) {
  expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
  expect(rows.length).toBe(expected);
}

describe('generate step against baskets serve', () => {
  it('answers every instruction with every source, each key once, with throttled progress and accounting', async () => {
    const examples = dollyExamples(30);
    const s = makeSession(sources(), examples);
    const { events, error } = await runStep(generateStep, s);
    expect(error).toBeUndefined();
    for (const src of s.session.models) {
      const rows = readRows(s.paths.synthetic(src.id));
      expectEachKeyOnce(rows, examples.length);
      expect(rows.every((r) => typeof r.response === 'string' && r.error === undefined)).toBe(true);
      expect(rows.every((r) => r.completionTokens! > 0 && r.promptTokens! > 0)).toBe(true);
    }
    const progress = events.filter((e): e is Extract<StepEvent, { type: 'progress' }> => e.type === 'progress');
    for (const src of s.session.models) {
      const last = progress.filter((p) => p.task === src.id).at(-1)!;
      expect(last).toMatchObject({ done: examples.length, total: examples.length, errors: 0, inFlight: 0 });
    }
    expect(events.at(-1)).toMatchObject({ type: 'summary' });
    expect((events.at(-1) as { text: string }).text).toMatch(/^3 sources: 90\/90 answered/);
    const result = JSON.parse(readFileSync(s.paths.result('generation'), 'utf8'));
    expect(result.sources).toHaveLength(3);
    expect(result.sources[0]).toMatchObject({ keys: 30, answered: 30, errors: 0, costUsd: null });
    expect(result.sources[0].completionTokens).toBeGreaterThan(0);
  });

  it('resumes without re-asking, and a changed parameter makes new keys instead of mixing answers', async () => {
    const examples = dollyExamples(12);
    const s = makeSession([sources()[0]], examples);
    await runStep(generateStep, s);
    const file = s.paths.synthetic('src0');
    const first = readFileSync(file, 'utf8');
    const again = await runStep(generateStep, s);
    expect(again.error).toBeUndefined();
    expect(readFileSync(file, 'utf8')).toBe(first); // nothing re-requested

    const changed = makeSession([{ ...sources()[0], generation: { temperature: 0.8, topP: 0.95, maxTokens: 7, samples: 2 } }], examples, s.dir);
    await runStep(generateStep, changed);
    const rows = readRows(file);
    expect(rows).toHaveLength(12 + 24);
    const oldAnswers = await readSyntheticAnswers(file, paramsHashOf(s.session.models[0]));
    const newAnswers = await readSyntheticAnswers(file, paramsHashOf(changed.session.models[0]));
    expect(oldAnswers.size).toBe(12);
    expect([...newAnswers.values()].every((list) => list.map((r) => r.sample).join() === '0,1')).toBe(true);
    expect(rows.filter((r) => r.paramsHash === paramsHashOf(changed.session.models[0])).every((r) => r.completionTokens! <= 7)).toBe(true);
  });

  it('a wrong model name is a one-line error before any work', async () => {
    const s = makeSession([openaiSource('typo', server.url, 'no-such-model')], dollyExamples(2));
    const { events, error } = await runStep(generateStep, s);
    expect(events).toEqual([]);
    expect(error!.message).toMatch(/^model "typo": http:\/\/127\.0\.0\.1:\d+\/v1 does not serve "no-such-model" \(it serves: .+\) — fix engine\.model$/);
  });
});
