import { findPanes, showScreen, type Pane, type Screen } from './tmux.js';

/** Checks of what a capture of the TUI shows. Each returns null when fine, else what is wrong. */

export const STEPS = ['data', 'generate', 'assemble', 'train', 'answer', 'perplexity', 'diversity', 'safety', 'preference'];
export const PANE_TITLES = ['Perplexity', 'Diversity', 'Vocabulary growth (Heaps)', 'Danger zone', 'Self-preference', 'Numbers'];

export const HEADER = /^baskets · /;
export const KEY_BAR = /^(↑\/k move|Tab pane) · /;

/**
 * A frame drawn over the previous one without leftovers: the header exactly once, on the first
 * row; the key bar exactly once; nothing below the key bar. (Ink once drifted one row per
 * repaint and left the previous frame's header and lines behind.)
 */
export function frameProblem(s: Screen): string | null {
  const headers = s.lines.flatMap((l, i) => (HEADER.test(l) ? [i] : []));
  if (headers.length !== 1 || headers[0] !== 0) return `expected the header exactly once, on row 0; found it on rows [${headers.join(', ')}]`;
  const bars = s.lines.flatMap((l, i) => (KEY_BAR.test(l) ? [i] : []));
  if (bars.length !== 1) return `expected the key bar exactly once; found it on rows [${bars.join(', ')}]`;
  const below = s.lines.slice(bars[0] + 1).findIndex((l) => l.trim() !== '');
  if (below >= 0) return `leftover text below the key bar on row ${bars[0] + 1 + below}: ${JSON.stringify(s.lines[bars[0] + 1 + below])}`;
  const wide = s.lines.findIndex((l) => Array.from(l).length > s.columns);
  if (wide >= 0) return `row ${wide} is wider than the terminal`;
  return null;
}

/** All of the checks must pass on the same capture; the first failing one is reported. */
export function all(...checks: ((s: Screen) => string | null)[]): (s: Screen) => string | null {
  return (s) => {
    for (const check of checks) {
      const problem = check(s);
      if (problem !== null) return problem;
    }
    return null;
  };
}

export const header = (title: RegExp) => (s: Screen) => (title.test(s.lines[0] ?? '') ? null : `header ${JSON.stringify(s.lines[0])} does not match ${title}`);

/** The notebook's cell lines, by step: "❯ ● generate       13s  …". */
export function cells(s: Screen): Map<string, { line: string; row: number; status: string }> {
  const found = new Map<string, { line: string; row: number; status: string }>();
  s.lines.forEach((line, row) => {
    const m = /^[❯ ] ([○●✓✗⊘↷]) (\w+)\s/.exec(line);
    if (m && STEPS.includes(m[2]) && !found.has(m[2])) found.set(m[2], { line, row, status: m[1] });
  });
  return found;
}

export const allCells = (s: Screen) => {
  const missing = STEPS.filter((step) => !cells(s).has(step));
  return missing.length ? `notebook cells missing: ${missing.join(', ')}` : null;
};

/** A progress bar with its count: "███████░ 287/320". */
export const PROGRESS = /[█░]{6,} \d+\/\d+ \w+/;

export function liveProgress(s: Screen): string | null {
  const running = [...cells(s).entries()].filter(([, c]) => c.status === '●');
  if (running.length !== 1) return `expected one running cell (●), found ${running.length}`;
  const [step, cell] = running[0];
  if (!/\s\d+s\s|\s\d+m\d+s\s/.test(cell.line + ' ')) return `the running cell ${step} shows no elapsed time`;
  // The open cell's detail sits between it and the next cell.
  const detail = s.lines.slice(cell.row + 1).filter((l) => l.startsWith('    '));
  if (!detail.some((l) => PROGRESS.test(l))) return `the running cell ${step} shows no progress bar`;
  if (!/runner pid \d+ running/.test(s.lines[0])) return 'the header does not say a runner is running';
  return null;
}

export function progressText(s: Screen): string {
  return s.lines.filter((l) => PROGRESS.test(l) || /^[❯ ] [○●✓]/.test(l)).join('\n');
}

export function paneProblems(s: Screen): string | null {
  const titles = findPanes(s).map((p) => p.title);
  const missing = PANE_TITLES.filter((t) => !titles.some((title) => title.startsWith(t)));
  return missing.length ? `panes missing: ${missing.join(', ')} (found: ${titles.join(' | ') || 'none'})` : null;
}

export function pane(s: Screen, title: string): Pane {
  const p = findPanes(s).find((x) => x.title.startsWith(title));
  if (!p) throw new Error(`no pane titled ${title}\n${showScreen(s)}`);
  return p;
}

/** Assert a pane's body has at least `n` lines matching `re`, with the pane in the message. */
export function expectLines(p: Pane, re: RegExp, n: number, what: string): void {
  const count = p.body.filter((l) => re.test(l)).length;
  if (count < n) throw new Error(`pane "${p.title}": expected ≥ ${n} lines of ${what} (${re}), found ${count}:\n${p.body.join('\n')}`);
}
