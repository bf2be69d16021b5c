/* global process, console, setTimeout, setInterval, clearInterval, URL */
// TUI cost while a training run streams: bytes written to the terminal per second and CPU of
// the TUI process, in a real pty (tmux), on the Run notebook and on the Results screen, each
// with a baseline of the same screen with no events arriving.
//
// Run: npm run build && node bench/tui/run.mjs [--runs 3] [--seconds 20] [--size 120x40] [--rate 20] [--from DIR] [--keep]
//   --from DIR  a finished demo session folder (with results/) to copy; without it the bench
//               first runs `baskets demo --headless` into a temp folder (about a minute).
//   --keep      keep the temp folder (byte logs of every measurement) and print its path.
// Needs tmux. Prints a table per run and the medians; see bench/tui/README.md.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const RUNS = Number(opt('runs', 3));
const SECONDS = Number(opt('seconds', 20));
const [COLS, ROWS] = opt('size', '120x40').split('x').map(Number);
const RATE = Number(opt('rate', 20)); // events per second, half train-metrics, half progress
const WARMUP_MS = 3000;
const KEEP = args.includes('--keep');
const TASK = 'founders-small/multi';
const TOTAL_STEPS = 1_000_000;

const root = mkdtempSync(join(tmpdir(), 'baskets-bench-tui-'));
const socket = `baskets-bench-tui-${process.pid}`;
const clkTck = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const env = {
  // Not CI (Ink renders only the last frame there), nothing from the caller's terminal.
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TERM: 'xterm-256color',
  BASKETS_CACHE_DIR: join(root, 'cache'),
  BASKETS_CONFIG_DIR: join(root, 'config'),
};

function tmux(...a) {
  const r = spawnSync('tmux', ['-u', '-f', '/dev/null', '-L', socket, ...a], { encoding: 'utf8', env, timeout: 10_000 });
  if (r.status !== 0) throw new Error(`tmux ${a.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const capture = () => tmux('capture-pane', '-p', '-t', 'b:0.0');
async function waitScreen(what, re, ms = 30_000) {
  const start = Date.now();
  for (;;) {
    const text = capture();
    if (re.test(text)) return text;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what} (${re}); screen:\n${text}`);
    await sleep(200);
  }
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clkTck; // fields 14 and 15 of stat(5)
}

// ── a finished demo session to start from ──────────────────────────────────────────────────

function sourceSession() {
  const from = opt('from');
  if (from) return from;
  console.log('running the demo headless once for a session with real results…');
  const sessions = join(root, 'source');
  const r = spawnSync(process.execPath, [CLI, 'demo', '--headless', '--fresh', '--sessions', sessions], { encoding: 'utf8', env, timeout: 15 * 60_000 });
  if (r.status !== 0) throw new Error(`demo failed (${r.status}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  return join(sessions, 'demo');
}

// ── the streamed training run ──────────────────────────────────────────────────────────────

let step = 0;
function trainEvents(n) {
  const lines = [];
  for (let i = 0; i < n; i++) {
    const t = Date.now();
    if (i % 2 === 0) {
      step += 1;
      const loss = 2 + 2 / Math.sqrt(1 + step / 50) + 0.15 * Math.sin(step / 7) + 0.05 * Math.sin(step * 1.3);
      const metrics = { step, totalSteps: TOTAL_STEPS, loss, learningRate: 3e-4, epoch: step / 400, tokensPerSecond: 12_000 + (step % 17) * 100, elapsedS: step / 10, remainingS: (TOTAL_STEPS - step) / 10 };
      if (step % 20 === 0) metrics.evalLoss = loss + 0.1;
      lines.push({ type: 'train-metrics', task: TASK, metrics, t, runId: 'bench', step: 'train' });
    } else {
      lines.push({ type: 'progress', task: TASK, done: step, total: TOTAL_STEPS, unit: 'steps', tokensPerSecond: 12_000 + (step % 17) * 100, t, runId: 'bench', step: 'train' });
    }
  }
  return lines.map((e) => JSON.stringify(e) + '\n').join('');
}

/** A copy of the finished session, re-running from train: the bench process holds its lock. */
function prepareSession(source, name) {
  const sessions = join(root, name);
  const dir = join(sessions, 'demo');
  mkdirSync(sessions, { recursive: true });
  cpSync(source, dir, { recursive: true });
  rmSync(join(dir, 'runner.lock'), { force: true });
  const t = Date.now();
  const steps = ['train', 'answer', 'perplexity', 'diversity', 'safety', 'preference'];
  appendFileSync(join(dir, 'events.jsonl'), JSON.stringify({ type: 'run-start', t, runId: 'bench', pid: process.pid, steps }) + '\n' + JSON.stringify({ type: 'step-start', t, runId: 'bench', step: 'train' }) + '\n');
  step = 0;
  appendFileSync(join(dir, 'events.jsonl'), trainEvents(400)); // 200 steps of history: the loss chart is drawn
  writeFileSync(join(dir, 'runner.lock'), JSON.stringify({ pid: process.pid, startedAt: t }));
  return { sessions, events: join(dir, 'events.jsonl') };
}

// ── one measurement ────────────────────────────────────────────────────────────────────────

async function measure(source, screen, stream, label) {
  const { sessions, events } = prepareSession(source, label);
  const bytesFile = join(root, `${label}.bytes`);
  writeFileSync(bytesFile, '');
  tmux('new-session', '-d', '-s', 'b', '-x', String(COLS), '-y', String(ROWS), `exec '${process.execPath}' '${CLI}' attach demo --sessions '${sessions}'`);
  tmux('set-option', '-t', 'b', 'window-size', 'manual');
  let writer;
  try {
    const pid = Number(tmux('display-message', '-p', '-t', 'b:0.0', '#{pane_pid}').trim());
    await waitScreen('the Run notebook with train running', /● train/);
    let shown = await waitScreen('the loss chart', /└[┬─]+.*\n.*step\s*$/m);
    if (screen === 'results') {
      tmux('send-keys', '-t', 'b:0.0', 'v');
      shown = await waitScreen('the Results screen', /Results of demo[\s\S]*Numbers/);
    }
    tmux('pipe-pane', '-o', '-t', 'b:0.0', `cat >> '${bytesFile}'`);
    if (stream) {
      // Whole events at RATE per second, written in ticks of 100 ms.
      const perTick = Math.max(1, Math.round(RATE / 10));
      writer = setInterval(() => appendFileSync(events, trainEvents(perTick)), 100);
    }
    await sleep(WARMUP_MS);
    const b0 = statSync(bytesFile).size;
    const c0 = cpuSeconds(pid);
    const t0 = process.hrtime.bigint();
    await sleep(SECONDS * 1000);
    const b1 = statSync(bytesFile).size;
    const c1 = cpuSeconds(pid);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    if (writer) clearInterval(writer);
    const written = readFileSync(bytesFile).subarray(b0, b1).toString('utf8');
    // Every full frame starts with the header; a full-screen frame also clears the terminal.
    const frames = written.split('baskets · ').length - 1;
    const clears = written.split('\x1b[2J').length - 1;
    return { label, screen, stream, kbps: (b1 - b0) / 1024 / wall, cpu: (100 * (c1 - c0)) / wall, fps: frames / wall, clearsPerS: clears / wall, bytesPerFrame: frames ? (b1 - b0) / frames : 0, shown };
  } finally {
    if (writer) clearInterval(writer);
    spawnSync('tmux', ['-L', socket, 'kill-server'], { env });
  }
}

// ── main ───────────────────────────────────────────────────────────────────────────────────

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x, d = 1) => x.toFixed(d);

try {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: npm run build first`);
  const source = sourceSession();
  if (!existsSync(join(source, 'results'))) throw new Error(`${source} has no results/ folder: pass a finished demo session`);
  console.log(`baskets TUI bench · ${new Date().toISOString().slice(0, 10)} · ${cpus().length} cores · node ${process.version} · ${COLS}x${ROWS} · ${RATE} events/s · ${RUNS} runs × ${SECONDS} s`);
  const scenarios = [
    ['run', false],
    ['run', true],
    ['results', false],
    ['results', true],
  ];
  const all = [];
  for (let r = 0; r < RUNS; r++) {
    for (const [screen, stream] of scenarios) {
      const m = await measure(source, screen, stream, `r${r}-${screen}-${stream ? 'stream' : 'idle'}`);
      all.push(m);
      console.log(`run ${r + 1}  ${screen.padEnd(8)} ${stream ? 'stream' : 'idle  '}  ${fmt(m.kbps, 2).padStart(7)} KB/s  ${fmt(m.cpu).padStart(5)} % CPU  ${fmt(m.fps).padStart(5)} frames/s  ${fmt(m.clearsPerS).padStart(5)} clears/s  ${Math.round(m.bytesPerFrame)} B/frame`);
      if (r === 0 && stream) console.log(m.shown.split('\n').map((l) => `    | ${l}`).join('\n'));
    }
  }
  console.log('\nmedians');
  console.log('| screen | events | KB/s | CPU % of one core | frames/s | clears/s | bytes/frame |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [screen, stream] of scenarios) {
    const ms = all.filter((m) => m.screen === screen && m.stream === stream);
    const md = (k) => median(ms.map((m) => m[k]));
    console.log(`| ${screen === 'run' ? 'Run notebook (train open)' : 'Results'} | ${stream ? `${RATE}/s` : 'none'} | ${fmt(md('kbps'), 2)} | ${fmt(md('cpu'))} | ${fmt(md('fps'))} | ${fmt(md('clearsPerS'))} | ${Math.round(md('bytesPerFrame'))} |`);
  }
} finally {
  spawnSync('tmux', ['-L', socket, 'kill-server'], { env });
  if (KEEP) console.log(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
