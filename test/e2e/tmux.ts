import { spawnSync } from 'node:child_process';

/**
 * A real terminal for end-to-end tests: a private tmux server (its own socket, no user config)
 * holding one session whose single pane runs a command. Captures are the pane's visible text,
 * exactly what a person would see, without colours.
 */

export interface Screen {
  text: string;
  /** The pane's rows, trailing spaces removed. */
  lines: string[];
  columns: number;
  rows: number;
}

const SESSION = 'e2e';

function tmuxRaw(socket: string, env: NodeJS.ProcessEnv, args: string[]): { status: number | null; stdout: string; stderr: string } {
  // -u: UTF-8 whatever the locale of CI; -f /dev/null: no user configuration.
  const r = spawnSync('tmux', ['-u', '-f', '/dev/null', '-L', socket, ...args], { encoding: 'utf8', env, timeout: 10_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') };
}

/** Whether tmux can be run here. */
export function hasTmux(): boolean {
  const r = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  return r.status === 0;
}

/** Single-quote for sh. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export class Tmux {
  /** The last capture, for failure messages. */
  last: Screen | null = null;

  constructor(
    readonly socket: string,
    /** The environment of the tmux server, and so of everything it runs. */
    readonly env: NodeJS.ProcessEnv,
  ) {}

  private run(args: string[]): string {
    const r = tmuxRaw(this.socket, this.env, args);
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Start the server with one detached session of the given size running `command` (sh syntax). */
  start(columns: number, rows: number, command: string): void {
    this.run(['new-session', '-d', '-s', SESSION, '-x', String(columns), '-y', String(rows), command]);
    // Detached, no client: the window keeps the size it is given.
    this.run(['set-option', '-t', SESSION, 'window-size', 'manual']);
  }

  /**
   * Run `command` in the pane instead of what it runs now, keeping the server and the window's
   * size (killing the server and starting another races the old one's exit).
   */
  respawn(command: string): void {
    this.run(['respawn-pane', '-k', '-t', `${SESSION}:0.0`, command]);
  }

  capture(): Screen {
    const text = this.run(['capture-pane', '-p', '-t', `${SESSION}:0.0`]);
    const size = this.run(['display-message', '-p', '-t', `${SESSION}:0.0`, '#{pane_width} #{pane_height}']).trim().split(' ').map(Number);
    const lines = text.replace(/\n$/, '').split('\n').map((l) => l.trimEnd());
    this.last = { text, lines, columns: size[0], rows: size[1] };
    return this.last;
  }

  /** tmux key names: 'v', 'q', 'Tab', 'Enter', 'Escape'. */
  keys(...keys: string[]): void {
    this.run(['send-keys', '-t', `${SESSION}:0.0`, ...keys]);
  }

  resize(columns: number, rows: number): void {
    this.run(['resize-window', '-t', SESSION, '-x', String(columns), '-y', String(rows)]);
  }

  /** The pid of the process in the pane (the shell wrapping the command). */
  panePid(): number {
    return Number(this.run(['display-message', '-p', '-t', `${SESSION}:0.0`, '#{pane_pid}']).trim());
  }

  kill(): void {
    tmuxRaw(this.socket, this.env, ['kill-server']);
  }

  /**
   * Capture until `check` returns null (it returns what is still missing otherwise). On timeout
   * the error names what was awaited, what was missing and shows the last capture.
   */
  async waitFor(what: string, check: (s: Screen) => string | null, ms = 20_000): Promise<Screen> {
    const started = Date.now();
    let missing = 'nothing captured yet';
    for (;;) {
      const screen = this.capture();
      const problem = check(screen);
      if (problem === null) return screen;
      missing = problem;
      if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}: ${missing}\n${showScreen(screen)}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

/** A capture framed with its size, for error messages. */
export function showScreen(s: Screen | null): string {
  if (!s) return '(no capture)';
  const bar = '─'.repeat(Math.min(s.columns, 120));
  return `last capture (${s.columns}x${s.rows}):\n${bar}\n${s.lines.join('\n')}\n${bar}`;
}

export interface Pane {
  /** The first line inside the border, with the focus marker removed. */
  title: string;
  focused: boolean;
  top: number;
  left: number;
  /** Width including the border. */
  width: number;
  /** Lines inside the border (the title line included). */
  body: string[];
}

/**
 * The rounded-border boxes of a screen: a '╭' whose row continues with '─' to a '╮', closed
 * below by a '╰' in the same column. Columns are counted in code points (the TUI draws only
 * single-width glyphs).
 */
export function findPanes(s: Screen): Pane[] {
  const grid = s.lines.map((l) => Array.from(l));
  const panes: Pane[] = [];
  for (let top = 0; top < grid.length; top++) {
    const row = grid[top];
    for (let left = 0; left < row.length; left++) {
      if (row[left] !== '╭') continue;
      let right = left + 1;
      while (right < row.length && row[right] === '─') right++;
      if (row[right] !== '╮') continue;
      let bottom = top + 1;
      while (bottom < grid.length && grid[bottom][left] === '│') bottom++;
      if (grid[bottom]?.[left] !== '╰') continue;
      const body = grid.slice(top + 1, bottom).map((r) => r.slice(left + 1, right).join('').replace(/^ /, '').trimEnd());
      const first = body[0] ?? '';
      const focused = first.startsWith('❯ ');
      panes.push({ title: focused ? first.slice(2) : first, focused, top, left, width: right - left + 1, body });
    }
  }
  return panes;
}
