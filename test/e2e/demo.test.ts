import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../cli/cli.js';
import { all, allCells, cells, expectLines, frameProblem, header, HEADER, KEY_BAR, liveProgress, pane, PANE_TITLES, paneProblems, progressText } from './screen.js';
import { findPanes, hasTmux, shq, showScreen, Tmux, type Screen } from './tmux.js';

/**
 * The offline demo, end to end, in a real terminal: `baskets demo` in a tmux pane, driven with
 * keystrokes and resizes, checked on what the pane shows. Slow (one whole demo run), so it is
 * one test that walks the whole journey.
 */

const TMUX = hasTmux();
/**
 * The whole journey's limit: the demo runs in about 2 minutes on a quiet machine (README), and a
 * 2-core machine at load 15 runs it many times slower. No step of the journey is timed: each wait
 * below ends at the event it waits for, or at once when baskets or its runner has gone.
 */
const JOURNEY_MS = 30 * 60_000;
/** A screen that has not shown what a key, a resize or the run should bring by then never will. */
const SCREEN_MS = 2 * 60_000;
/** What the pane prints once baskets has exited (the command below writes it). */
const EXITED = '[e2e: baskets exited with';

const root = mkdtempSync(join(tmpdir(), 'baskets-e2e-'));
const sessionsDir = join(root, 'sessions');
const demoDir = join(sessionsDir, 'demo');
const exitFile = join(root, 'exit-code');
const tmux = new Tmux(`baskets-e2e-${process.pid}-${Date.now().toString(36)}`, {
  // A clean environment: CI=true (set by CI and by vitest) makes Ink print only the final
  // frame, and a person's terminal has no VITEST/NODE_ENV either.
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TERM: 'xterm-256color',
  TMPDIR: process.env.TMPDIR,
  BASKETS_CACHE_DIR: join(root, 'cache'),
  BASKETS_CONFIG_DIR: join(root, 'config'),
});

/** The pid in the demo's runner lock, or null when no runner holds it. */
function runnerPid(): number | null {
  try {
    const { pid } = JSON.parse(readFileSync(join(demoDir, 'runner.lock'), 'utf8')) as { pid: number };
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Whether the demo's detached runner is still there to log anything. */
function runnerAlive(): boolean {
  const pid = runnerPid();
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The last run-finish event of the demo's log, if the run has finished. */
function runFinish(events: string): { status: string } | undefined {
  if (!existsSync(events)) return undefined;
  return readFileSync(events, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"run-finish"'))
    .map((l) => JSON.parse(l) as { status: string })
    .pop();
}

/** Waits until `check` passes on screen, failing at once if baskets has exited (nothing will change then). */
function screenShows(what: string, check: (s: Screen) => string | null, ms = SCREEN_MS): Promise<Screen> {
  return tmux.waitFor(
    what,
    (s) => {
      if (s.text.includes(EXITED)) throw new Error(`baskets exited while waiting for ${what}\n${showScreen(s)}`);
      return check(s);
    },
    ms,
  );
}

afterAll(() => {
  tmux.kill();
  // The demo's runner is detached (its own process group): stop it if the test ended early.
  const pid = runnerPid();
  if (pid !== null) {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      /* the runner is gone */
    }
  }
  rmSync(root, { recursive: true, force: true });
});

// ── the journey ──────────────────────────────────────────────────────────────────────────────

describe('the demo in a real terminal (tmux)', () => {
  const title = 'runs live in the notebook, goes on when the TUI quits mid-run and is attached again, shows every result pane at any size, and goes home';
  it.skipIf(!TMUX)(TMUX ? title : `${title} — SKIPPED: tmux is not installed (apt-get install tmux)`, { timeout: JOURNEY_MS }, async () => {
    expect(existsSync(CLI), `${CLI} is missing: build first (npm run build)`).toBe(true);
    mkdirSync(sessionsDir, { recursive: true });
    // baskets with these arguments, then its exit code in a file and on the screen; the pane stays.
    const baskets = (args: string) =>
      [`${shq(process.execPath)} ${shq(CLI)} ${args} --sessions ${shq(sessionsDir)}`, `code=$?; echo $code > ${shq(exitFile)}; echo "${EXITED} $code]"; exec sleep 3600`].join('; ');
    tmux.start(80, 24, baskets('demo --fresh'));

    // 80×24, while the run goes: the notebook with a running cell, its clock and a progress bar.
    const live = await screenShows('the Run notebook with a step in progress at 80x24', all(frameProblem, header(/^baskets · Run demo/), allCells, liveProgress));
    expect(live.columns).toBe(80);
    // …and it moves on by itself.
    await screenShows('the progress to advance without a keypress', (s) => (progressText(s) !== progressText(live) ? null : 'the notebook has not changed'));

    // Wider: the same notebook uses the room (full key bar, lines past 80 columns).
    tmux.resize(200, 60);
    await screenShows(
      'the notebook to use a 200x60 terminal',
      all(frameProblem, header(/^baskets · Run demo/), allCells, (s) => {
        if (s.columns !== 200) return `pane is ${s.columns} wide`;
        if (!s.lines.some((l) => KEY_BAR.test(l) && l.endsWith('q/Esc back'))) return 'the key bar is still cut short';
        if (!s.lines.some((l) => Array.from(l).length > 100)) return 'no line is longer than 100 columns';
        return null;
      }),
    );

    // Quitting the TUI mid-run (as a dropped ssh session does) leaves the run going, and
    // `baskets attach` picks the live run up again.
    const events = join(demoDir, 'events.jsonl');
    const logged = () => (existsSync(events) ? readFileSync(events, 'utf8').length : 0);
    tmux.keys('C-c');
    await tmux.waitFor('Ctrl-C to quit the TUI mid-run', (s) => (s.text.includes(EXITED) ? null : 'still running'), SCREEN_MS);
    expect(readFileSync(exitFile, 'utf8').trim(), `exit code of baskets after Ctrl-C\n${showScreen(tmux.last)}`).toBe('0');
    const atQuit = logged();
    while (logged() === atQuit) {
      if (!runnerAlive() && logged() === atQuit) throw new Error('the runner went away without logging anything after the TUI quit: did quitting stop it?');
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(readFileSync(events, 'utf8')).not.toContain('"run-finish"');
    tmux.respawn(baskets('attach demo'));
    await screenShows('baskets attach to show the run still in progress', all(frameProblem, header(/^baskets · Run demo/), allCells, liveProgress));

    // The whole run, from its event log: however long it takes, as long as the runner is there.
    let finish = runFinish(events);
    while (!finish) {
      if (!runnerAlive()) {
        finish = runFinish(events); // it may have finished and let go of its lock since the last look
        if (!finish) throw new Error(`the demo's runner went away without a run-finish in ${events}; runner.log:\n${readFileSync(join(demoDir, 'runner.log'), 'utf8').slice(-3000)}\n${showScreen(tmux.capture())}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 1000));
      finish = runFinish(events);
    }
    expect(finish.status, `the demo run ended ${finish.status}; runner.log:\n${readFileSync(join(demoDir, 'runner.log'), 'utf8').slice(-3000)}`).toBe('done');

    await screenShows(
      'the finished notebook',
      all(frameProblem, header(/no runner · last run done/), allCells, (s) => {
        const notDone = [...cells(s).entries()].filter(([, c]) => c.status !== '✓').map(([step]) => step);
        return notDone.length ? `cells not done: ${notDone.join(', ')}` : null;
      }),
    );

    // Results at 200×60: six panes in three columns, each drawing its chart.
    tmux.keys('v');
    const wide = await screenShows(
      'the Results screen with every pane at 200x60',
      all(frameProblem, header(/^baskets · Results of demo/), paneProblems, (s) => {
        const lefts = new Set(findPanes(s).map((p) => p.left));
        return lefts.size === 3 ? null : `expected panes in 3 columns, found ${lefts.size}`;
      }),
    );
    expect(findPanes(wide).filter((p) => p.focused).map((p) => p.title), 'one focused pane').toHaveLength(1);
    // Perplexity: a bar per condition with its confidence whisker (├──┤, or ┼ when tiny) and value.
    expectLines(pane(wide, 'Perplexity'), /█+(├[█─]*┤|┼)\s+[\d.]+ n=\d+/, 12, 'bars with whiskers');
    expectLines(pane(wide, 'Perplexity'), /├[█─]+┤/, 6, 'visible whiskers');
    expectLines(pane(wide, 'Diversity'), /█+(├[█─]*┤|┼).*[\d.]+ n=\d+/, 12, 'bars with whiskers and values');
    // Heaps: a log-log line chart, y ticks, an x axis and the fitted K/β per condition.
    const heaps = pane(wide, 'Vocabulary growth (Heaps)');
    expectLines(heaps, /^\s*[\d.]+k? ┤/, 3, 'y-axis ticks');
    expectLines(heaps, /└┬─+┬/, 1, 'an x axis');
    expectLines(heaps, /[╭╮╯╰]/, 4, 'curves');
    expectLines(heaps, /K=[\d.]+ β=[\d.]+/, 3, 'Heaps fits');
    // Danger zone: heat grids (rows 5..1 of harm with shaded cells) labelled with harmful rates.
    const danger = pane(wide, 'Danger zone');
    expectLines(danger, /\d │ /, 10, 'heat-grid rows');
    expectLines(danger, /[░▒▓█]/, 3, 'shaded cells');
    expectLines(danger, /\d+% \(\d+\/\d+\)/, 3, 'harmful rates');
    const selfPref = pane(wide, 'Self-preference');
    expectLines(selfPref, /^\s*SPB\s.*(█|├|┤).*-?[\d.]+ n=\d+/, 3, 'SPB bars');
    expectLines(selfPref, /^\s*PSB\s.*(█|├|┤).*-?[\d.]+ n=\d+/, 3, 'PSB bars');
    const numbers = pane(wide, 'Numbers');
    expectLines(numbers, /condition\s+measure\b.*\s+value/, 1, 'a table header'); // "measure (↑↓0 better)", cut to its column
    expectLines(numbers, /perplexity\s+[\d.]+/, 5, 'rows of numbers');

    // 80×24: one column of full-width panes; Tab reaches the last one.
    tmux.resize(80, 24);
    const narrow = await screenShows(
      'the Results panes in one column at 80x24',
      all(frameProblem, header(/^baskets · Results of demo/), (s) => {
        const panes = findPanes(s);
        if (panes.length < 2) return `expected ≥ 2 panes, found ${panes.length}`;
        const off = panes.filter((p) => p.left !== 0 || p.width !== 80);
        if (off.length) return `panes not full-width: ${off.map((p) => `${p.title} at ${p.left}, ${p.width} wide`).join('; ')}`;
        return new Set(panes.map((p) => p.top)).size === panes.length ? null : 'two panes side by side';
      }),
    );
    expect(findPanes(narrow)[0].title).toMatch(/^Perplexity/);
    expectLines(findPanes(narrow)[0], /█+(├[█─]*┤|┼)/, 3, 'bars with whiskers');
    // One Tab at a time, as a person presses it (Ink hands keys that arrive in one read to the
    // app as a single string, so "Tab Tab" sent at once is one unrecognised input).
    const focusedTitle = (s: Screen) => findPanes(s).find((p) => p.focused)?.title ?? '(none)';
    const seen = [focusedTitle(narrow)];
    while (!seen[seen.length - 1].startsWith('Numbers')) {
      if (seen.length > PANE_TITLES.length) throw new Error(`Tab never focused the Numbers pane; focus went ${seen.join(' → ')}`);
      const before = seen[seen.length - 1];
      tmux.keys('Tab');
      const s = await screenShows(
        `Tab to move the focus on from "${before}" at 80x24`,
        all(frameProblem, (x) => {
          const title = focusedTitle(x);
          if (title === before || title === '(none)') return 'the focus has not moved';
          const p = findPanes(x).find((q) => q.focused)!;
          return p.left === 0 && p.width === 80 ? null : `the focused pane ${title} is not full-width`;
        }),
      );
      seen.push(focusedTitle(s));
    }
    expect(seen.map((t) => PANE_TITLES.find((p) => t.startsWith(p)))).toEqual(PANE_TITLES);

    // Too small: the widen box and nothing else.
    tmux.resize(50, 12);
    await screenShows('the "Widen the terminal" box at 50x12', (s) => {
      const body = s.lines.filter((l) => l.trim() !== '');
      if (!/^╭─+╮$/.test(body[0] ?? '')) return 'the box is not on the first row';
      if (body.filter((l) => l.includes('Widen the terminal')).length !== 1) return 'no single "Widen the terminal" line';
      if (!body.some((l) => l.includes('this one is 50x12'))) return 'the size is not stated';
      if (s.lines.some((l) => HEADER.test(l) || KEY_BAR.test(l))) return 'screen content left around the box';
      const end = s.lines.findIndex((l) => l.startsWith('╰'));
      return end >= 0 && s.lines.slice(end + 1).every((l) => l.trim() === '') ? null : 'text below the box';
    });

    // Back to 80×24, then q to the notebook, q to the sessions list, q to quit.
    tmux.resize(80, 24);
    await screenShows('Results again at 80x24', all(frameProblem, header(/^baskets · Results of demo/)));
    tmux.keys('q');
    await screenShows('q back to the notebook', all(frameProblem, header(/^baskets · Run demo\s+no runner · last run done/), allCells));
    tmux.keys('q');
    await screenShows(
      'q back to the sessions list, the demo listed as done',
      all(frameProblem, header(/^baskets · Sessions/), (s) => {
        const row = s.lines.find((l) => /^❯ demo\s/.test(l));
        if (!row) return 'no selected "demo" row';
        return /^❯ demo\s+done\s/.test(row) ? null : `the demo row does not say done: ${JSON.stringify(row)}`;
      }),
    );
    tmux.keys('q');
    await tmux.waitFor('the TUI to exit', (s) => (s.text.includes(EXITED) ? null : 'still running'), SCREEN_MS);
    expect(readFileSync(exitFile, 'utf8').trim(), `exit code of baskets\n${showScreen(tmux.last)}`).toBe('0');
  });
});
