import { describe, expect, it } from 'vitest';
import { paint, renderCells } from '../../src/charts/palette.js';

describe('palette', () => {
  it('emits SGR codes only with colour on', () => {
    expect(paint('x', 'danger', false)).toBe('x');
    expect(paint('x', 'danger', true)).toBe('\x1b[1;31mx\x1b[0m');
    expect(paint('x', 0, true)).not.toBe(paint('x', 1, true));
  });
  it('colours a run of equal tones with one escape pair', () => {
    const cells = [{ ch: 'a', tone: 0 }, { ch: 'b', tone: 0 }, { ch: ' ' }, { ch: 'c', tone: 'axis' as const }];
    expect(renderCells(cells, false)).toBe('ab c');
    const coloured = renderCells(cells, true);
    expect(coloured.match(/\x1b\[0m/g)).toHaveLength(2);
    expect(coloured).toContain('ab\x1b[0m ');
  });
});
