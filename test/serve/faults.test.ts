import { describe, expect, it } from 'vitest';
import { FaultInjector, parseFaults } from '../../src/engines/serve/faults.js';

describe('parseFaults', () => {
  it('reads every rate and option of the documented spec', () => {
    const spec = parseFaults('5xx=0.05,429=0.05,reset=0.03,malformed=0.02,stall=0.01,stall-ms=20000,retry-after=1,seed=7');
    expect(spec).toEqual({ rates: { '5xx': 0.05, '429': 0.05, reset: 0.03, malformed: 0.02, stall: 0.01 }, stallMs: 20000, retryAfterS: 1, seed: 7 });
  });

  it('defaults what the spec leaves out', () => {
    expect(parseFaults('429=1')).toEqual({ rates: { '5xx': 0, '429': 1, reset: 0, malformed: 0, stall: 0 }, stallMs: 20000, retryAfterS: 1, seed: 0 });
  });

  it.each([
    ['5xx', /bad fault spec entry "5xx"/],
    ['boom=0.1', /unknown fault "boom"/],
    ['5xx=abc', /needs a non-negative number/],
    ['5xx=1.5', /between 0 and 1/],
    ['5xx=0.6,429=0.6', /add up to 1.200/],
    ['seed=1.5', /must be an integer/],
    ['5xx=0.1,5xx=0.2', /names "5xx" twice/],
  ])('refuses %s with a one-line error', (spec, message) => {
    expect(() => parseFaults(spec)).toThrow(message);
  });
});

describe('FaultInjector', () => {
  it('replays the same faults for the same seed and draws near the given rates', () => {
    const spec = parseFaults('5xx=0.2,429=0.1,seed=3');
    const draw = () => {
      const inj = new FaultInjector(spec);
      return Array.from({ length: 2000 }, () => inj.next());
    };
    const a = draw();
    expect(draw()).toEqual(a);
    const share = (kind: string) => a.filter((k) => k === kind).length / a.length;
    expect(share('5xx')).toBeGreaterThan(0.17);
    expect(share('5xx')).toBeLessThan(0.23);
    expect(share('429')).toBeGreaterThan(0.08);
    expect(share('429')).toBeLessThan(0.12);
    expect(share('reset')).toBe(0);
  });

  it('injects on every request at rate 1', () => {
    const inj = new FaultInjector(parseFaults('stall=1'));
    expect(Array.from({ length: 50 }, () => inj.next()).every((k) => k === 'stall')).toBe(true);
  });
});
