import { describe, expect, it } from 'vitest';
import { itemFingerprint, pairedAcrossSessions, perItemTable } from '../../src/pipeline/evaluation/per-item.js';
import type { Example } from '../../src/domain/example.js';
import type { EvaluatedRef, PerItemTable } from '../../src/pipeline/results.js';
import { displayWidth } from '../../src/charts/index.js';
import { acrossSessions, COMPARE_METRICS, compareTable, pairedRows } from '../../src/ui/results/compare.js';
import type { LoadedResults } from '../../src/ui/results/load.js';
import { perplexityFile } from './fixtures.js';

const example = (id: string, instruction: string): Example => ({ id, instruction, context: '', response: `answer to ${instruction}`, category: 'open_qa' });
const ref = (condition: string): EvaluatedRef => ({ condition, target: condition.split('/')[0], kind: 'multi' });
const values = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('per-item values kept for pairing sessions', () => {
  it('name items by their text, so the same item pairs across sessions whatever its id, and a different one never does', () => {
    // Session A numbers the items 1..3; session B holds two of them under other ids, and a new item under A's id "3".
    const a = perItemTable([example('1', 'alpha'), example('2', 'beta'), example('3', 'gamma')], [
      { measure: 'log-perplexity', models: [{ ref: ref('t/multi'), values: values({ 1: 3.0, 2: 2.0, 3: 9.0 }) }] },
    ]);
    const b = perItemTable([example('7', 'beta'), example('8', 'alpha'), example('3', 'delta')], [
      { measure: 'log-perplexity', models: [{ ref: ref('t/multi'), values: values({ 7: 1.5, 8: 2.0, 3: 0.0 }) }] },
    ]);
    expect(a.items[0]).toBe(itemFingerprint(example('x', 'alpha')));
    const [paired] = pairedAcrossSessions(a, b, 'log-perplexity', 1);
    // alpha: 3 − 2, beta: 2 − 1.5; gamma and delta are different items and pair with nothing.
    expect(paired).toMatchObject({ condition: 't/multi', target: 't', diff: { value: 0.75, n: 2 } });
    expect(paired.p).toBeGreaterThan(0);
  });

  it('keeps only items some condition measured, and each copy of a repeated text its own value', () => {
    const t = perItemTable([example('1', 'alpha'), example('2', 'alpha'), example('3', 'unanswered')], [
      { measure: 'lexical-diversity', models: [{ ref: ref('t/single'), values: values({ 1: 90, 2: 80 }) }] },
    ]);
    expect(t.items).toEqual([itemFingerprint(example('1', 'alpha')), `${itemFingerprint(example('1', 'alpha'))}#2`]);
    expect(t.rows).toEqual([{ condition: 't/single', target: 't', kind: 'multi', measure: 'lexical-diversity', values: [90, 80] }]);
  });

  it('pairs conditions by name and measure, saying so when no item is shared', () => {
    const a = perItemTable([example('1', 'alpha')], [
      { measure: 'danger-zone', models: [{ ref: ref('t/single'), values: values({ 1: 1 }) }, { ref: ref('t/only-in-a'), values: values({ 1: 0 }) }] },
      { measure: 'refusal', models: [{ ref: ref('t/single'), values: values({ 1: 0 }) }] },
    ]);
    const b = perItemTable([example('1', 'other prompt')], [{ measure: 'danger-zone', models: [{ ref: ref('t/single'), values: values({ 1: 0 }) }] }]);
    const pairs = pairedAcrossSessions(a, b, 'danger-zone', 1);
    expect(pairs).toHaveLength(1);
    expect(pairs[0]).toMatchObject({ condition: 't/single', diff: { value: null, n: 0, reason: 'no paired items' }, p: null });
    expect(pairedAcrossSessions(a, b, 'refusal', 1)).toEqual([]);
  });
});

/** The fixture's perplexity results with per-item values, or without (a file from before they were kept). */
function session(perItem: PerItemTable | undefined): LoadedResults {
  return { files: { perplexity: { ...perplexityFile(), ...(perItem ? { perItem } : {}) } }, errors: {} };
}

const wobble = (i: number, period: number) => (i % period ? 0.02 : -0.02);

/** Log-perplexities of a fixed pattern, `shift` above it, with a per-item wobble of ±0.02 every `period` items. */
function logPplTable(items: string[], shifts: Record<string, number>, period = 2): PerItemTable {
  const examples = items.map((text, i) => example(String(i), text));
  return perItemTable(
    examples,
    [{ measure: 'log-perplexity', models: Object.entries(shifts).map(([condition, shift]) => ({ ref: ref(condition), values: new Map(examples.map((e, i) => [e.id, 3 + (i % 5) / 10 + shift + wobble(i, period)])) })) }],
  );
}

describe('Compare: a session against the reference session', () => {
  const metric = COMPARE_METRICS[0];
  const texts = Array.from({ length: 40 }, (_, i) => `instruction ${i}`);
  const ref = { name: 'base', loaded: session(logPplTable(texts, { 'qwen-s/multi': 0, 'qwen-s/single': 0 })) };

  it('counts the conditions that differ and lists them smallest p first, as a perplexity change', () => {
    const other = { name: 'hot', loaded: session(logPplTable(texts, { 'qwen-s/multi': 0, 'qwen-s/single': Math.log(1.1) }, 3)) };
    const across = acrossSessions(metric, ref, other)!;
    expect(across.summary).toBe('vs base, on shared items: 1 of 2 conditions differ at p<0.05');
    expect(across.lines.map((l) => l.text)).toEqual([
      expect.stringMatching(/^qwen-s\/single: geo-mean perplexity \+1\d(\.\d)?% \[\+\d+(\.\d+)?%, \+1\d(\.\d+)?%\] \(p<0\.001, n=40\)$/),
      expect.stringMatching(/^qwen-s\/multi: geo-mean perplexity [+-]?0(\.\d+)?% \[-\d(\.\d+)?%, \+\d(\.\d+)?%\] \(p=0\.[1-9]\d?, n=40\)$/),
    ]);
    // Exported under "hot - base", one row per paired condition, the summary among the notes.
    const table = compareTable(metric, [ref, other]);
    expect(table.notes).toContain('hot vs base, on shared items: 1 of 2 conditions differ at p<0.05');
    const rows = table.rows.filter((r) => r[0] === 'hot - base');
    expect(rows.map((r) => [r[2], r[3], r[7]])).toEqual([
      ['qwen-s/single', 'log-perplexity difference', 40],
      ['qwen-s/multi', 'log-perplexity difference', 40],
    ]);
    const meanWobble = texts.reduce((sum, _, i) => sum + wobble(i, 3) - wobble(i, 2), 0) / texts.length;
    expect(rows[0][4]).toBeCloseTo(Math.log(1.1) + meanWobble, 10);
  });

  it('says what to do when a session predates per-item values, shares no item, or no condition', () => {
    expect(acrossSessions(metric, ref, { name: 'old', loaded: session(undefined) })!.summary).toBe(
      'vs base: rerun the perplexity step of old to pair items (its results predate per-item values)',
    );
    const elsewhere = { name: 'elsewhere', loaded: session(logPplTable(['another data set'], { 'qwen-s/multi': 0 })) };
    expect(acrossSessions(metric, ref, elsewhere)!.summary).toBe('vs base: no items in common (other data, split or prompts)');
    const renamed = { name: 'renamed', loaded: session(logPplTable(texts, { 'q/multi': 0 })) };
    expect(acrossSessions(metric, ref, renamed)!.summary).toBe('vs base: no condition of the same name to pair');
    // A condition with no value on any shared item is counted apart, not as one that does not differ.
    const partial = logPplTable(texts, { 'qwen-s/multi': 0, 'qwen-s/single': 0 }, 3);
    partial.rows[1].values = partial.rows[1].values.map(() => null);
    expect(acrossSessions(metric, ref, { name: 'partial', loaded: session(partial) })!.summary).toBe('vs base, on shared items: 0 of 1 conditions differ at p<0.05 (1 more share no item)');
    // A table cut short or edited by hand is named, not paired (or crashed on): rows without
    // target or kind (the export needs them), or one fingerprint twice.
    for (const damage of [(t: PerItemTable) => delete (t.rows[0] as Partial<PerItemTable['rows'][0]>).target, (t: PerItemTable) => (t.items[1] = t.items[0])]) {
      const t = logPplTable(texts, { 'qwen-s/multi': 0 });
      damage(t);
      expect(acrossSessions(metric, ref, { name: 'damaged', loaded: session(t) })!.summary).toMatch(/^vs base: the per-item values in damaged's perplexity results are broken/);
    }
    const broken = { name: 'broken', loaded: session({ ...logPplTable(texts, { 'qwen-s/multi': 0 }), items: ['only one'] }) };
    expect(acrossSessions(metric, ref, broken)!.summary).toBe("vs base: the per-item values in broken's perplexity results are broken: rerun its perplexity step");
    const nan = logPplTable(texts, { 'qwen-s/multi': 0 });
    nan.rows[0].values[3] = 'x' as unknown as number;
    expect(acrossSessions(metric, { name: 'bad-ref', loaded: session(nan) }, ref)!.summary).toMatch(/^vs bad-ref: the per-item values in bad-ref's perplexity results are broken/);
    // A metric with no per-item measure (corpus perplexity) does not pair sessions.
    expect(acrossSessions(COMPARE_METRICS[1], ref, renamed)).toBeNull();
  });
});

describe('paired lines in a Compare column', () => {
  const lines = ['vs base, on shared items: 3 of 36 conditions differ at p<0.05', 'founders-small/single: geo-mean perplexity -4.2% [-4.78%, -3.59%] (p<0.001, n=160)', 'third line', 'fourth line'];
  it('wraps each line whole within the width, and counts the lines that do not fit in the budget', () => {
    const rows = pairedRows(lines, 38, 6);
    for (const r of rows) expect(displayWidth(r)).toBeLessThanOrEqual(38);
    expect(rows).toEqual([
      'vs base, on shared items: 3 of 36',
      'conditions differ at p<0.05',
      'founders-small/single: geo-mean',
      'perplexity -4.2% [-4.78%, -3.59%]',
      '(p<0.001, n=160)',
      '… 2 more paired: e exports them all',
    ]);
    expect(pairedRows(lines, 200, 10)).toEqual(lines);
    // The first line is kept whole even past a tiny budget.
    expect(pairedRows(lines, 38, 1)).toEqual(['vs base, on shared items: 3 of 36', 'conditions differ at p<0.05', '… 3 more paired: e exports them all']);
  });
});
