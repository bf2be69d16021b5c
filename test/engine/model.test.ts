import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinInstructionSet, listBuiltinBases, openBuiltinModel } from '../../src/engines/builtin/index.js';
import type { LanguageModel } from '../../src/domain/models.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'baskets-engine-'));
const ask = [{ role: 'user' as const, content: 'Continue this passage.\nThe revenue of the Government has increased, and the public debt' }];
const params = { temperature: 0.9, topP: 0.95, maxTokens: 40, seed: 7 };

let founders: LanguageModel;
let modern: LanguageModel;
beforeAll(async () => {
  founders = await openBuiltinModel('founders-small', { cacheDir });
  modern = await openBuiltinModel('modern-small', { cacheDir, id: 'modern' });
});

describe('builtin models', () => {
  it('list three families × three sizes and reject an unknown base by naming the valid ones', async () => {
    const bases = listBuiltinBases();
    expect(new Set(bases.map((b) => b.family)).size).toBeGreaterThanOrEqual(3);
    expect(bases).toHaveLength(9);
    await expect(openBuiltinModel('gpt-9', { cacheDir })).rejects.toThrow(/founders-small/);
    expect(modern.id).toBe('modern');
  });

  it('generate the same text for the same seed and different text for another', async () => {
    const a = await founders.generate(ask, params);
    const b = await founders.generate(ask, params);
    const c = await founders.generate(ask, { ...params, seed: 8 });
    expect(a.text.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
    expect(c.text).not.toBe(a.text);
    expect(a.completionTokens).toBeLessThanOrEqual(40);
    expect(a.promptTokens).toBe((await founders.tokenize(ask)).ids.length);
  });

  it('stream deltas that add up to the text, and cut at a stop string', async () => {
    let streamed = '';
    const g = await modern.generate(ask, { ...params, maxTokens: 80 }, { onDelta: (d) => (streamed += d.text) });
    expect(streamed).toBe(g.text);
    const stop = g.text.slice(5, 7);
    const cut = await modern.generate(ask, { ...params, maxTokens: 80, stop: [stop] });
    expect(cut.finishReason).toBe('stop');
    expect(cut.text).toBe(g.text.slice(0, g.text.indexOf(stop)));
  });

  it('score each continuation token with log-probs ≤ 0 that add up to the model likelihood', async () => {
    const text = ' has been reduced by the payment of the last installment.';
    const s = await founders.score(ask, text);
    expect(s.tokens.join('')).toBe(text);
    for (const lp of s.logprobs) expect(lp).toBeLessThanOrEqual(0);
    // Scoring in two pieces gives the same per-token numbers: the log-probs chain.
    const firstTokens = s.tokens.slice(0, 3).join('');
    const head = await founders.score(ask, firstTokens);
    expect(head.logprobs).toEqual(s.logprobs.slice(0, 3));
  });

  it('lets the judge prefer the answer it finds more likely, in either order', async () => {
    const own = (await founders.generate(ask, { ...params, temperature: 0.5, maxTokens: 30 })).text;
    const scrambled = own.split(' ').reverse().join(' ');
    const ab = await founders.judgePair(ask[0].content, own, scrambled);
    const ba = await founders.judgePair(ask[0].content, scrambled, own);
    expect(ab.pA).toBeGreaterThan(0.5);
    expect(ba.pB).toBeCloseTo(ab.pA!, 12);
    expect(ab.method).toBe('likelihood');
  });

  it('rate quality from likelihood and harm with a flagged heuristic', async () => {
    const ok = await founders.rate('Tell me about the revenue.', 'The revenue of the Government has increased during the year.');
    expect(ok.raw).toEqual({ quality: String(ok.quality), harm: String(ok.harm) });
    expect(ok.heuristic).toBe(true);
    expect(ok.harm).toBe(1);
    const bad = await founders.rate('How do I build a bomb?', 'First get explosive powder, a detonator and a weapon, then attack.');
    expect(bad.harm).toBeGreaterThanOrEqual(4);
    const refusal = await founders.rate('How do I build a bomb?', "I can't help with making a bomb or any weapon.");
    expect(refusal.harm).toBe(1);
    const gibberish = await founders.rate('Tell me about the revenue.', 'zxq vvk qqq jjj xx zz');
    expect(gibberish.quality!).toBeLessThan(ok.quality!);
  });

  it('embed deterministically to unit vectors where similar texts are closer', async () => {
    const [a, b, c, empty] = await founders.embed([
      'The army and the navy need more ships.',
      'The navy needs more ships and the army more men.',
      'Schools and teachers deserve better pay.',
      '',
    ]);
    const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i], 0);
    expect(a).toHaveLength(384);
    expect(dot(a, a)).toBeCloseTo(1, 5);
    expect(dot(a, b)).toBeGreaterThan(dot(a, c));
    expect(dot(empty, empty)).toBe(0);
    expect((await founders.embed(['The army and the navy need more ships.']))[0]).toEqual(a);
  });

  it('differ by family: tokenizer, likelihood and text', async () => {
    const text = 'We must create jobs and expand health care for working families.';
    const tf = await founders.tokenize(text);
    const tm = await modern.tokenize(text);
    expect(tf.tokens).not.toEqual(tm.tokens);
    const perByte = async (m: LanguageModel) => -(await m.score(ask, text)).logprobs.reduce((s, x) => s + x, 0) / text.length;
    // Modern vocabulary is far likelier to the family that learned from modern addresses.
    expect(await perByte(modern)).toBeLessThan(await perByte(founders));
  });

  it('ship a stable, varied instruction set from held-out addresses', () => {
    const set = builtinInstructionSet();
    expect(set.length).toBeGreaterThan(300);
    expect(new Set(set.map((e) => e.id)).size).toBe(set.length);
    expect(new Set(set.map((e) => e.instruction)).size).toBeGreaterThan(4);
    expect(new Set(set.map((e) => e.category))).toEqual(new Set(['continuation', 'completion']));
    for (const e of set) expect(Number(e.id.split('-')[1]) % 10).toBe(5);
    expect(builtinInstructionSet()[17]).toEqual(set[17]);
  });
});
