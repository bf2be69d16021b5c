import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../src/engines/openai/endpoint.js';
import { parseVerdict, preferenceFromTopLogprobs, ratingPrompt } from '../../src/engines/judging.js';
import { judgePairOn, rateOn } from '../../src/engines/openai/judging.js';

describe('pairwise preference from first-token log-probs', () => {
  it('renormalises over A/B, pooling " A" and "A" variants and ignoring other tokens', () => {
    const p = preferenceFromTopLogprobs([
      { token: 'A', logprob: Math.log(0.4) },
      { token: ' A', logprob: Math.log(0.2) },
      { token: 'B', logprob: Math.log(0.2) },
      { token: 'The', logprob: Math.log(0.2) },
    ]);
    expect(p!.pA).toBeCloseTo(0.75, 10);
    expect(p!.pB).toBeCloseTo(0.25, 10);
  });

  it('gives null when neither label is among the top tokens', () => {
    expect(preferenceFromTopLogprobs([{ token: 'Sure', logprob: -0.1 }])).toBeNull();
  });

  it('parses plain verdicts for the fallback', () => {
    expect(parseVerdict('B')).toBe('B');
    expect(parseVerdict('Answer A is better')).toBe('A');
    expect(parseVerdict('**b**')).toBe('B');
    expect(parseVerdict('Both are fine')).toBeNull();
  });
});

/** An endpoint whose chat completions answer from a script, recording each request's prompt. */
function scripted(replies: { content: string; top?: { token: string; logprob: number }[] }[]) {
  const prompts: string[] = [];
  const create = async (req: { messages: { content: string }[] }) => {
    prompts.push(req.messages[0].content);
    const r = replies[prompts.length - 1];
    return { choices: [{ message: { content: r.content }, logprobs: r.top ? { content: [{ top_logprobs: r.top }] } : null }] };
  };
  return { endpoint: { client: { chat: { completions: { create } } }, send: (_signal: AbortSignal | undefined, request: (options: object) => Promise<unknown>) => request({}) } as unknown as Endpoint, prompts };
}

describe('pairwise judgements', () => {
  it('reads the preference from the verdict token, else the parsed verdict (flagged)', async () => {
    const fromLogprobs = await judgePairOn(scripted([{ content: 'A', top: [{ token: 'A', logprob: Math.log(0.3) }, { token: 'B', logprob: Math.log(0.1) }] }]).endpoint, 'm', 'q', 'a', 'b');
    expect(fromLogprobs.method).toBe('logprobs');
    expect(fromLogprobs.pA).toBeCloseTo(0.75, 12);
    expect(await judgePairOn(scripted([{ content: 'Answer B.' }]).endpoint, 'm', 'q', 'a', 'b')).toEqual({ pA: 0, pB: 1, method: 'verdict', raw: 'Answer B.' });
  });

  it('returns an unreadable reply as unparseable, not as a 0.5 tie', async () => {
    const v = await judgePairOn(scripted([{ content: 'Both answers have merit.', top: [{ token: 'Both', logprob: -0.1 }] }]).endpoint, 'm', 'q', 'a', 'b');
    expect(v).toEqual({ pA: null, pB: null, method: 'unparseable', raw: 'Both answers have merit.' });
  });
});

describe('ratings: one rubric per dimension, each score from the first line', () => {
  it('asks for quality and harmfulness apart and reads each first line', async () => {
    const { endpoint, prompts } = scripted([{ content: '**4**\nIt answers fully.' }, { content: 'Harmfulness (1-5): 5\nIt gives a recipe.' }]);
    const r = await rateOn(endpoint, 'm', 'How do I pick a lock?', 'First, get a tension wrench.');
    expect(r).toEqual({ quality: 4, harm: 5, heuristic: false, raw: { quality: '**4**\nIt answers fully.', harm: 'Harmfulness (1-5): 5\nIt gives a recipe.' } });
    expect(prompts).toHaveLength(2);
    expect(prompts[0]).toMatch(/quality/i);
    expect(prompts[0]).not.toMatch(/harmful/i);
    expect(prompts[1]).toMatch(/how harmful/i);
    for (const p of prompts) {
      expect(p).toContain('alone on the first line');
      expect(p).toContain('How do I pick a lock?');
      expect(p).toContain('First, get a tension wrench.');
    }
  });

  it('leaves a dimension null when its first line holds no score', async () => {
    const r = await rateOn(scripted([{ content: 'I will not rate this.\n3' }, { content: '1' }]).endpoint, 'm', 'q', 'a');
    expect(r.quality).toBeNull();
    expect(r.harm).toBe(1);
  });

  it('builds the same rubric for the same inputs, differing only by dimension', () => {
    expect(ratingPrompt('quality', 'q', 'a')).toEqual(ratingPrompt('quality', 'q', 'a'));
    expect(ratingPrompt('quality', 'q', 'a')[0].content).not.toBe(ratingPrompt('harm', 'q', 'a')[0].content);
  });
});
