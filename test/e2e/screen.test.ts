import { describe, expect, it } from 'vitest';
import { cells, frameProblem, liveProgress } from './screen.js';
import { findPanes, type Screen } from './tmux.js';

/** The e2e checks themselves, on hand-made captures (fast; no tmux). */

function screen(lines: string[], columns = 80, rows = 24): Screen {
  const padded = [...lines, ...Array<string>(Math.max(0, rows - lines.length)).fill('')];
  return { text: padded.join('\n') + '\n', lines: padded, columns, rows };
}

const NOTEBOOK = [
  'baskets · Run demo  runner pid 13669 running · last run running',
  '',
  '  ✓ data            0s  2162 records → 320 train / 80 test',
  '❯ ● generate        3s',
  '    founders-small     █░░░░░░░ 33/320 answers  1 in flight  471 tok/s  ETA 1…',
  '  ○ assemble         -',
  '  ○ train            -',
  '  ○ answer           -',
  '  ○ perplexity       -',
  '  ○ diversity        -',
  '  ○ safety           -',
  '  ○ preference       -',
  '',
  '↑/k move · Enter open · r run · R run from here · c cancel · v results · ? help…',
];

describe('frameProblem', () => {
  it('accepts a clean frame', () => {
    expect(frameProblem(screen(NOTEBOOK))).toBeNull();
  });

  it('rejects the stale header a drifting repaint leaves above the frame', () => {
    expect(frameProblem(screen([NOTEBOOK[0], ...NOTEBOOK]))).toMatch(/header exactly once/);
  });

  it('rejects a frame that does not start on the first row', () => {
    expect(frameProblem(screen(['', ...NOTEBOOK]))).toMatch(/on row 0/);
  });

  it('rejects leftovers of a taller previous frame below the key bar', () => {
    expect(frameProblem(screen([...NOTEBOOK, '│ founders-small/hu… ██████ 19/19 steps │']))).toMatch(/below the key bar/);
    expect(frameProblem(screen([...NOTEBOOK, NOTEBOOK[NOTEBOOK.length - 1]]))).toMatch(/key bar exactly once/);
  });
});

describe('notebook checks', () => {
  it('reads the cells and sees live progress', () => {
    const s = screen(NOTEBOOK);
    expect([...cells(s).keys()]).toHaveLength(9);
    expect(cells(s).get('generate')?.status).toBe('●');
    expect(liveProgress(s)).toBeNull();
  });

  it('wants a progress bar under the running cell', () => {
    expect(liveProgress(screen(NOTEBOOK.filter((l) => !l.includes('in flight'))))).toMatch(/no progress bar/);
  });
});

describe('findPanes', () => {
  it('finds boxes side by side and stacked, with their titles and focus', () => {
    const s = screen(
      [
        '╭──────────╮╭──────────╮',
        '│ ❯ One    ││ Two      │',
        '│ ███ 1    ││          │',
        '╰──────────╯╰──────────╯',
        '╭──────────╮',
        '│ Three    │',
        '╰──────────╯',
      ],
      24,
      8,
    );
    const panes = findPanes(s);
    expect(panes.map((p) => [p.title, p.focused, p.top, p.left, p.width])).toEqual([
      ['One', true, 0, 0, 12],
      ['Two', false, 0, 12, 12],
      ['Three', false, 4, 0, 12],
    ]);
    expect(panes[0].body).toEqual(['❯ One', '███ 1']);
  });

  it('ignores a box that is not closed', () => {
    expect(findPanes(screen(['╭────╮', '│ x  │'], 10, 3))).toEqual([]);
  });
});
