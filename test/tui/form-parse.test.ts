import { describe, expect, it } from 'vitest';
import type { ModelEntry } from '../../src/domain/session.js';
import { parseMix } from '../../src/ui/conditions.js';
import { parseNumber } from '../../src/ui/form.js';

const source = (id: string): ModelEntry => ({ id, family: id, size: 'small', roles: ['source'], engine: { engine: 'builtin', base: id }, generation: { temperature: 0.7, topP: 0.9, maxTokens: 64, samples: 1 } });

describe('what the wizard accepts as typed', () => {
  it('takes a number only while it is exact: past 2^53 digits are lost and the save would fail later', () => {
    const whole = (n: number) => Number.isInteger(n) && n >= 0;
    expect(parseNumber('77', whole)).toBe(77);
    expect(parseNumber(String(Number.MAX_SAFE_INTEGER), whole)).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseNumber('99999999999999999999', whole)).toBeNull();
    expect(parseNumber('abc', whole)).toBeNull();
    expect(parseNumber(' ', whole)).toBeNull();
  });

  it('refuses a mix that lists a source twice', () => {
    const models = [source('a'), source('b')];
    expect(parseMix('t', 'a:1, b:2', models)).toMatchObject({ kind: 'mix', sources: [{ model: 'a', weight: 1 }, { model: 'b', weight: 2 }] });
    expect(parseMix('t', 'a:1, a:2', models)).toBe('"a" is listed twice: give each source once, with its whole weight');
  });
});
