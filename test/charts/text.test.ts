import { describe, expect, it } from 'vitest';
import { asciiText, cleanLabel, displayWidth, formatInterval, formatNumber, pad, truncate, truncateMiddle, truncateStart, wrapWords } from '../../src/charts/text.js';
import { graphemes } from '../../src/util/text-width.js';

const FAMILY = '👨‍👩‍👧'; // an emoji ZWJ sequence: five code points, one character, two cells
const E_ACUTE = 'e\u0301'; // e and a combining acute accent: one cell

/** Every character of `cut` is a whole character of `text` (or the ellipsis). */
function cutsWhole(cut: string, text: string): boolean {
  const whole = new Set(graphemes(text));
  return graphemes(cut).every((ch) => whole.has(ch) || ch === '…');
}

describe('displayWidth', () => {
  it('counts terminal cells: wide CJK as 2, SGR codes and combining marks as 0', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('日本')).toBe(4);
    expect(displayWidth('ｈｉ')).toBe(4);
    expect(displayWidth('\x1b[1;31mab\x1b[0m')).toBe(2);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('█─┤')).toBe(3);
  });
  it('measures as Ink lays out: an emoji ZWJ sequence is one two-cell character, however many code points', () => {
    expect(displayWidth(FAMILY)).toBe(2);
    expect(displayWidth(`${FAMILY} ${E_ACUTE}t${E_ACUTE}`)).toBe(6);
    expect(displayWidth('🇯🇵')).toBe(2);
    expect(displayWidth('한국어')).toBe(6);
  });
});

describe('truncate', () => {
  it('leaves text that fits alone', () => {
    expect(truncate('hello', 5)).toBe('hello');
  });
  it('ends cut text with an ellipsis, "..." in ASCII', () => {
    expect(truncate('hello world', 8)).toBe('hello w…');
    expect(truncate('hello world', 8, true)).toBe('hello...');
  });
  it('never splits a wide character', () => {
    expect(truncate('日本語テキスト', 6)).toBe('日本…');
    expect(displayWidth(truncate('日本語テキスト', 6))).toBeLessThanOrEqual(6);
  });
  it('never splits an emoji ZWJ sequence or a letter from its combining marks', () => {
    const text = `ab${FAMILY}${FAMILY}cd`;
    expect(truncate(text, 5)).toBe(`ab${FAMILY}…`);
    expect(truncate(text, 4)).toBe('ab…');
    const accents = E_ACUTE.repeat(6);
    expect(truncate(accents, 4)).toBe(`${E_ACUTE.repeat(3)}…`);
    for (let width = 1; width <= 9; width++) {
      for (const t of [text, accents, '日本語テキスト']) {
        const cut = truncate(t, width);
        expect(displayWidth(cut), `${t} at ${width}`).toBeLessThanOrEqual(width);
        expect(cutsWhole(cut, t), `${JSON.stringify(cut)} from ${t}`).toBe(true);
      }
    }
  });
  it('cuts without an ellipsis when there is no room for one', () => {
    expect(truncate('hello', 2, true)).toBe('he');
    expect(truncate('hello', 0)).toBe('');
  });
});

describe('truncateMiddle', () => {
  it('keeps both ends of text too wide, the ellipsis between', () => {
    const text = 'exported the comparison as CSV to /tmp/sessions/demo/exports/compare-demo-vs-hot.csv';
    const cut = truncateMiddle(text, 60);
    expect(displayWidth(cut)).toBe(60);
    expect(cut.startsWith('exported the comparison')).toBe(true);
    expect(cut.endsWith('compare-demo-vs-hot.csv')).toBe(true);
    expect(cut).toContain('…');
    expect(truncateMiddle(text, 40, true)).toContain('...');
    expect(truncateMiddle('short', 40)).toBe('short');
  });
  it('keeps whole characters at both ends', () => {
    const text = `${FAMILY}日本語${E_ACUTE}${E_ACUTE}${FAMILY}`;
    expect(truncateMiddle(text, 7)).toBe(`${FAMILY}…${E_ACUTE}${E_ACUTE}${FAMILY}`);
    for (let width = 2; width <= 10; width++) {
      const cut = truncateMiddle(text, width);
      expect(displayWidth(cut)).toBeLessThanOrEqual(width);
      expect(cutsWhole(cut, text)).toBe(true);
    }
  });
});

describe('truncateStart', () => {
  it('keeps the end, whole characters only', () => {
    expect(truncateStart('founders-small/vanilla', 10)).toBe('…l/vanilla');
    expect(truncateStart(`${FAMILY}${FAMILY}${FAMILY}`, 5)).toBe(`…${FAMILY}${FAMILY}`);
    expect(truncateStart(`xy${E_ACUTE}${E_ACUTE}`, 3)).toBe(`…${E_ACUTE}${E_ACUTE}`);
    expect(truncateStart('日本語', 3)).toBe('…語');
  });
});

describe('wrapWords', () => {
  it('breaks at spaces within the width, cuts only a word longer than a row, and never loops on a wide character', () => {
    expect(wrapWords('the judge reads the answers', 10)).toEqual(['the judge', 'reads the', 'answers']);
    expect(wrapWords('supercalifragilistic ok', 8)).toEqual(['supercal', 'ifragili', 'stic ok']);
    expect(wrapWords('漢字漢字', 1)).toEqual(['漢', '字', '漢', '字']);
    expect(wrapWords(`${FAMILY}${FAMILY}${FAMILY}`, 1)).toEqual([FAMILY, FAMILY, FAMILY]);
    expect(wrapWords(E_ACUTE.repeat(5), 2)).toEqual([E_ACUTE.repeat(2), E_ACUTE.repeat(2), E_ACUTE]);
    expect(wrapWords('', 5)).toEqual(['']);
    for (const row of wrapWords('a note that runs well past the width of a narrow pane', 12)) expect(displayWidth(row)).toBeLessThanOrEqual(12);
  });
});

describe('pad', () => {
  it('pads by display width, on either side or both', () => {
    expect(pad('日本', 6, 'right')).toBe('  日本');
    expect(pad('ab', 5, 'center')).toBe(' ab  ');
    expect(pad('ab', 4)).toBe('ab  ');
    expect(pad('abcdef', 3)).toBe('abcdef');
    expect(pad(FAMILY, 4)).toBe(`${FAMILY}  `);
    expect(pad(E_ACUTE, 3, 'right')).toBe(`  ${E_ACUTE}`);
  });
});

describe('formatNumber', () => {
  it.each([
    [0, '0'],
    [2.5, '2.5'],
    [100, '100'],
    [0.1234, '0.123'],
    [-0.25, '-0.25'],
    [1234, '1.23k'],
    [12345, '12.3k'],
    [999.6, '1k'],
    [1_500_000, '1.5M'],
    [0.000012, '1.2e-5'],
    [Infinity, 'inf'],
    [NaN, 'n/a'],
    [null, 'n/a'],
  ])('%s → %s', (value, text) => {
    expect(formatNumber(value)).toBe(text);
  });
  it('takes the number of significant digits', () => {
    expect(formatNumber(1234, 2)).toBe('1.2k');
    expect(formatNumber(Math.PI, 5)).toBe('3.1416');
  });
});

describe('formatInterval', () => {
  it('prints the value and its interval, or the value alone', () => {
    expect(formatInterval(0.52, 0.48, 0.56)).toBe('0.52 [0.48, 0.56]');
    expect(formatInterval(1234, 1100, 1400)).toBe('1.23k [1.1k, 1.4k]');
    expect(formatInterval(0.52, null, 0.56)).toBe('0.52');
  });
});

describe('cleanLabel', () => {
  it('strips escape sequences and folds lines; ASCII mode replaces the rest', () => {
    expect(cleanLabel('a\x1b[2Jb\nc')).toBe('ab c');
    expect(cleanLabel('qwen β', true)).toBe('qwen b');
    expect(cleanLabel('multi − single → 0.5 × 2 — 例', true)).toBe('multi - single > 0.5 x 2 - ??'); // a wide character keeps its two cells
  });
});

describe('asciiText', () => {
  it('keeps every character in its cells, passes escapes and line breaks, and leaves only ASCII', () => {
    const text = '\u001b[1mmulti − single\u001b[22m → 例 é\n✓ done';
    const out = asciiText(text);
    expect(out).toBe('\u001b[1mmulti - single\u001b[22m > ?? ?\n? done');
    expect(out).toMatch(/^[\x00-\x7e]*$/);
    expect(displayWidth(out)).toBe(displayWidth(text));
  });
  it('gives a whole character its cells: an emoji ZWJ sequence two, a letter with accents itself', () => {
    expect(asciiText(`${FAMILY} caf${E_ACUTE}`)).toBe('?? cafe');
    expect(displayWidth(asciiText(`${FAMILY}日本`))).toBe(displayWidth(`${FAMILY}日本`));
  });
});

