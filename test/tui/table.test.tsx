import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { Table } from '../../src/components/Table.js';
import { resolveTheme, ThemeContext, truncate } from '../../src/ui/theme.js';
import { displayWidth, graphemes } from '../../src/util/text-width.js';

afterEach(cleanup);

const FAMILY = '👨‍👩‍👧'; // one emoji ZWJ sequence: two cells, five code points
const ETE = 'e\u0301te\u0301'; // "été" with combining accents: three cells

function frameOf(columns: string[], rows: string[][], width: number, ascii = false): string[] {
  const theme = resolveTheme({ setting: 'dark', noColor: true, ascii });
  const { lastFrame } = render(
    <ThemeContext.Provider value={theme}>
      <Table columns={columns} rows={rows} width={width} />
    </ThemeContext.Provider>,
  );
  return (lastFrame() ?? '').split('\n');
}

/** The terminal cell at which `part` starts in a line of Ink's output. */
function cellOf(line: string, part: string): number {
  const at = line.indexOf(part);
  expect(at, `${JSON.stringify(part)} in ${JSON.stringify(line)}`).toBeGreaterThanOrEqual(0);
  return displayWidth(line.slice(0, at));
}

describe('Table as Ink lays it out', () => {
  it('starts the second column at the same cell in every row, whatever the first column holds', () => {
    const rows = [
      ['demo', 'done'],
      ['日本語のセッション名', 'done'],
      [`family ${FAMILY}`, 'done'],
      [ETE, 'done'],
    ];
    const [header, ...lines] = frameOf(['session', 'status'], rows, 80);
    // The widest first cell is the CJK one: ten characters, twenty cells, then the two-cell gap.
    expect(cellOf(header, 'status')).toBe(22);
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(cellOf(line, 'done')).toBe(22);
  });

  it('fits a narrow width by cutting whole characters, the columns still aligned', () => {
    const rows = [
      ['日本語のセッション名', 'done'],
      [`${FAMILY}${FAMILY}${FAMILY}${FAMILY}${FAMILY}${FAMILY}`, 'done'],
      [ETE.repeat(5), 'done'],
    ];
    const [header, ...lines] = frameOf(['session', 'status'], rows, 16);
    expect(cellOf(header, 'status')).toBe(10);
    for (const line of lines) {
      expect(displayWidth(line)).toBeLessThanOrEqual(16);
      expect(cellOf(line, 'done')).toBe(10);
      // Every character shown is one the row had, whole: no half of a wide one or a ZWJ sequence.
      const first = line.slice(0, line.indexOf('…'));
      for (const ch of graphemes(first)) expect(rows.some((r) => graphemes(r[0]).includes(ch))).toBe(true);
    }
    expect(lines[0]).toContain('日本語…');
    expect(lines[1]).toContain(`${FAMILY}${FAMILY}${FAMILY}…`);
    expect(lines[2]).toContain(`${ETE.repeat(2)}e\u0301…`);
  });

  it('lays out ASCII rows as before: two-cell gaps, the widest column capped', () => {
    const lines = frameOf(['name', 'state', 'note'], [['alpha', 'ok', 'a note long enough to be cut at the edge'], ['b', 'failed', '']], 30, true);
    expect(lines).toEqual(['name   state   note', 'alpha  ok      a note long ...', 'b      failed']);
  });

  it('sanitises cells: an escape sequence neither reaches the terminal nor takes cells', () => {
    const lines = frameOf(['session', 'status'], [['bad\u001b[2Jrow', 'done'], ['good', 'done']], 40);
    expect(lines.join('\n')).not.toContain('\u001b');
    expect(cellOf(lines[1], 'done')).toBe(cellOf(lines[2], 'done'));
  });
});

describe("the theme's truncate", () => {
  const unicode = resolveTheme({ setting: 'dark', noColor: true, ascii: false });
  const ascii = resolveTheme({ setting: 'dark', noColor: true, ascii: true });

  it('cuts by terminal cells with the theme ellipsis', () => {
    expect(truncate(unicode, 'hello world', 8)).toBe('hello w…');
    expect(truncate(ascii, 'hello world', 8)).toBe('hello...');
    expect(truncate(unicode, '日本語テキスト', 6)).toBe('日本…');
    expect(truncate(unicode, `${FAMILY} family`, 4)).toBe(`${FAMILY} …`);
    expect(truncate(unicode, `${FAMILY} family`, 3)).toBe(`${FAMILY}…`);
    expect(truncate(unicode, `${FAMILY} family`, 2)).toBe('…');
    expect(truncate(ascii, 'hello', 3)).toBe('hel');
    expect(truncate(unicode, 'hello', 0)).toBe('');
  });
});
