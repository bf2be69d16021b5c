import { describe, expect, it } from 'vitest';
import { parseRowFilter, rowMatches } from '../../src/domain/row-filter.js';
import { Session } from '../../src/domain/session.js';

const keeps = (filter: string, row: Record<string, unknown>) => rowMatches(parseRowFilter(filter), row);

describe('the harmful-prompt row filter', () => {
  it('reads equals, not equals and one of, combined with AND in any case', () => {
    expect(parseRowFilter('FunctionalCategory == standard')).toEqual([{ column: 'FunctionalCategory', op: '==', value: 'standard' }]);
    expect(parseRowFilter('source != AdvBench and category in (a, "b c",\'d\')')).toEqual([
      { column: 'source', op: '!=', value: 'AdvBench' },
      { column: 'category', op: 'in', values: ['a', 'b c', 'd'] },
    ]);
    expect(parseRowFilter('"Semantic Category" IN (x) AND y==z')).toEqual([
      { column: 'Semantic Category', op: 'in', values: ['x'] },
      { column: 'y', op: '==', value: 'z' },
    ]);
    expect(parseRowFilter('  ')).toEqual([]);
  });

  it('keeps quoted keywords, escaped quotes and symbols as values', () => {
    expect(parseRowFilter('a == "AND" AND b == "x \\" (y), z"')).toEqual([
      { column: 'a', op: '==', value: 'AND' },
      { column: 'b', op: '==', value: 'x " (y), z' },
    ]);
  });

  it('compares cells as exact text: missing is empty, numbers by their decimal form', () => {
    expect(keeps('FunctionalCategory == standard', { FunctionalCategory: 'standard' })).toBe(true);
    expect(keeps('FunctionalCategory == standard', { FunctionalCategory: 'Standard' })).toBe(false);
    expect(keeps('source != AdvBench', { source: 'AdvBench' })).toBe(false);
    expect(keeps('source != AdvBench', {})).toBe(true);
    expect(keeps('ContextString == ""', { ContextString: null })).toBe(true);
    expect(keeps('level in (1, 2)', { level: 2 })).toBe(true);
    expect(keeps('level in (1, 2)', { level: 3 })).toBe(false);
    expect(keeps('a == x AND b == y', { a: 'x', b: 'n' })).toBe(false);
    expect(keeps('', { a: 'anything' })).toBe(true);
  });

  it('says what is wrong with a malformed filter, in one line with an example', () => {
    const cases: [string, RegExp][] = [
      ['FunctionalCategory standard', /expected ==, != or in after "FunctionalCategory", found "standard"/],
      ['a ==', /expected a value after ==, found the end/],
      ['a == b OR c == d', /expected AND between clauses, found "OR"/],
      ['a in b', /expected "\(", found "b"/],
      ['a in (b, c', /expected "\)", found the end/],
      ['a == "unterminated', /cannot read ""unterminated"/],
      ['== b', /expected a column name, found "=="/],
      ['source = AdvBench', /"=" is not an operator — use == \(equals\), != \(not equals\) or in \(one of\)/],
    ];
    for (const [filter, message] of cases) {
      expect(() => parseRowFilter(filter)).toThrow(message);
      expect(() => parseRowFilter(filter)).toThrow(/e\.g\. FunctionalCategory == standard/);
    }
  });

  it('is checked when a session is read', () => {
    const base = { version: 1, name: 's', createdAt: 'now', data: { source: { kind: 'builtin', name: 'sotu-continuations' } } };
    const bad = Session.safeParse({ ...base, evaluation: { safety: { filter: 'source = AdvBench' } } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].path).toEqual(['evaluation', 'safety', 'filter']);
    expect(Session.safeParse({ ...base, evaluation: { safety: { filter: 'source != AdvBench' } } }).success).toBe(true);
  });
});
