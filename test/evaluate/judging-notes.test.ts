import { describe, expect, it } from 'vitest';
import { reportRows } from '../../src/commands/report.js';
import type { PreferenceJudgeResult, PreferenceResultFile, SafetyModelResult, SafetyResultFile } from '../../src/pipeline/results.js';
import { preferenceBars, preferenceNotes } from '../../src/ui/results/preference.js';
import { safetyNotes } from '../../src/ui/results/safety.js';

const stat = (value: number, n: number) => ({ value, lo: value, hi: value, n });
const header = { version: 1, createdAt: 'now', seed: 1 } as const;

const judge = (over: Partial<PreferenceJudgeResult>): PreferenceJudgeResult => ({
  judge: 'j',
  family: 'f',
  own: 'j',
  judgements: 10,
  errors: 0,
  methods: { logprobs: 10, verdict: 0, likelihood: 0 },
  verdictFallback: false,
  sources: {},
  spb: stat(0.1, 10),
  psb: stat(0.1, 10),
  positionBias: stat(0, 10),
  ...over,
});

const preference = (judges: PreferenceJudgeResult[], conditionJudges?: PreferenceResultFile['conditionJudges']): PreferenceResultFile => ({
  ...header,
  kind: 'preference',
  items: 5,
  sources: ['j', 'human'],
  judges,
  ...(conditionJudges ? { conditionJudges } : {}),
});

describe('what the results say about judging', () => {
  it('shows unreadable verdicts per judge, and that an order-free judge has no position bias', () => {
    const file = preference([
      judge({ judge: 'served', unparseable: 3 }),
      judge({ judge: 'builtin', methods: { logprobs: 0, verdict: 0, likelihood: 10 }, orderInvariant: true }),
    ]);
    const notes = preferenceNotes(file);
    expect(notes).toContain('served: 3 UNREADABLE verdicts (no A/B probabilities, no parseable verdict), left out of S, SPB and PSB');
    expect(notes.some((n) => /^position bias cannot arise for builtin: it compares the two answers' likelihoods/.test(n))).toBe(true);
    const allOrderFree = preference([judge({ judge: 'a', orderInvariant: true }), judge({ judge: 'b', orderInvariant: true })]);
    expect(preferenceNotes(allOrderFree)[0]).toMatch(/^position bias cannot arise for every judge:/);
    const rows = reportRows({ training: null, answers: null, perplexity: null, diversity: null, safety: null, preference: file });
    expect(rows.find((r) => r.condition === 'served' && r.metric === 'unreadable verdicts (left out)')).toMatchObject({ value: 3, n: 13 });
    expect(rows.find((r) => r.condition === 'builtin' && r.metric.startsWith('position bias'))!.note).toMatch(/cannot arise/);
    expect(rows.some((r) => r.condition === 'builtin' && r.metric.startsWith('unreadable'))).toBe(false);
  });

  it('names an answer-blind judge in the pane notes', () => {
    const blind = { value: null, lo: null, hi: null, n: 10, reason: "the judge's verdicts do not depend on the answers" };
    const file = preference([judge({ judge: 'template-bound', answerBlind: true, spb: blind, psb: blind }), judge({ judge: 'reads' })]);
    expect(preferenceNotes(file)).toContain('ANSWER-BLIND, no SPB, PSB or S: template-bound gave the same P(A) whichever answer came first — use a judge that reads the answers');
    expect(preferenceNotes(file).some((n) => n.includes('reads gave'))).toBe(false);
    // Mostly blind (a served n-gram judge whose P(A) follows the end of answer B): said, the numbers kept.
    const mostly = preference([judge({ judge: 'tail-reader', bothOrders: { pairs: 30, same: 26 } }), judge({ judge: 'reads', bothOrders: { pairs: 30, same: 3 } })]);
    expect(preferenceNotes(mostly)).toEqual(['MOSTLY ANSWER-BLIND: tail-reader gave the same P(A) both ways in 26 of 30 pairs — its SPB and PSB come from the other 4; those 26 count as ties']);
  });

  it('counts judgements whose request failed, in the pane notes and the report, never silently', () => {
    const file = preference([judge({ judge: 'flaky', judgements: 29, errors: 1 }), judge({ judge: 'steady' })]);
    expect(preferenceNotes(file)).toContain('flaky: 1 judgements FAILED (the request gave up), left out of S, SPB and PSB: rerun preference with --retry-errors');
    expect(preferenceNotes(file).some((n) => n.startsWith('steady'))).toBe(false);
    const rows = reportRows({ training: null, answers: null, perplexity: null, diversity: null, safety: null, preference: file });
    expect(rows.find((r) => r.condition === 'flaky' && r.metric === 'failed judgements (left out)')).toMatchObject({ value: 1, n: 30, note: 'the request gave up: retry with --retry-errors' });
    expect(rows.some((r) => r.condition === 'steady' && r.metric.startsWith('failed'))).toBe(false);
  });

  it("draws a condition's own model under its target, the condition in the row label", () => {
    const file = preference([
      judge({ judge: 'j' }),
      judge({ judge: 'j/multi', condition: { condition: 'j/multi', target: 'j', kind: 'multi' } }),
      judge({ judge: 'mix-a', condition: { condition: 'mix-a', target: 'j', kind: 'mix' } }),
    ]);
    expect(preferenceBars(file, 0).map((r) => `${r.group}|${r.label}`)).toEqual(['j|SPB', 'j|PSB', 'j|SPB multi', 'j|PSB multi', 'j|SPB mix-a', 'j|PSB mix-a']);
  });

  it("says why the conditions' own models did not judge", () => {
    expect(preferenceNotes(preference([judge({})], { enabled: false, reason: 'condition "a/multi" cannot judge' }))).toContain(
      'the conditions\' own models did not judge: condition "a/multi" cannot judge',
    );
    expect(preferenceNotes(preference([judge({})], { enabled: true }))).toEqual([]);
  });

  it('lists unparseable ratings per condition and dimension', () => {
    const model = (condition: string, unparseable: number, q?: number, h?: number): SafetyModelResult => ({
      condition, target: 't', kind: 'vanilla', prompts: 10, answerErrors: 0, rated: 10, ratingErrors: 0, parsed: 10 - unparseable, unparseable, unparseableIds: [],
      ...(q === undefined ? {} : { unparseableQuality: q, unparseableHarm: h }),
      heuristicHarm: 0, grid: [], dangerZone: stat(0, 10), refusalRate: stat(0, 10), meanQuality: stat(3, 10), meanHarm: stat(1, 10),
    });
    const file: SafetyResultFile = { ...header, kind: 'safety', judge: 'j', heuristic: false, prompts: { origin: 'builtin', count: 10 }, models: [model('a', 2, 1, 1), model('b', 0, 0, 0), model('old', 1)] };
    expect(safetyNotes(file)[0]).toBe('3 ratings could not be read and are counted apart: a 2 of 10 (quality 1, harm 1), old 1 of 10');
    expect(safetyNotes(file).at(-1)).toMatch(/^grids: rows are harm \(5 on top\), columns quality/);
  });
});
