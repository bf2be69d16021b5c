/* global process, console */
// Simulates the demo's wall time on N cores from one run with a single pool thread:
//
//   BASKETS_POOL_TRACE=trace.jsonl (workerThreads 1) node dist/cli.js demo --headless --sessions S
//   node bench/demo/scaling.mjs S/demo/events.jsonl trace.jsonl [threads=1,2,4,8,16]
//
// The trace holds every pool task's queued/started/ended times (util/worker-pool.ts). Per step:
// W is the pool's work (Σ task durations), S the step's time with the pool idle (the main
// thread's own work, and waiting), k the most tasks the step ever had queued or running (what
// its concurrency lets it offer the pool), L its longest task. On N threads, each on a core
// of its own, the step takes S + max(W / min(N, k), L): its pool work spread evenly over the
// threads it can fill, never below its longest task, and the rest as it was. What the model
// leaves out: the main thread's work that overlapped the pool's (it could become the limit at
// high N), memory bandwidth shared between cores, and threads opening their models.
import { readFileSync } from 'node:fs';

const [eventsFile, traceFile, list = '1,2,4,8,16'] = process.argv.slice(2);
if (!eventsFile || !traceFile) {
  console.error('usage: node bench/demo/scaling.mjs <events.jsonl> <trace.jsonl> [threads=1,2,4,8,16]');
  process.exit(2);
}
const lines = (f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const events = lines(eventsFile);
const trace = lines(traceFile);
const threads = list.split(',').map(Number);

const steps = [];
for (const e of events) {
  if (e.type === 'step-start') steps.push({ step: e.step, start: e.t });
  if (e.type === 'step-finish') steps.at(-1).end = e.t;
}

const rows = steps.map(({ step, start, end }) => {
  const tasks = trace.filter((t) => t.queued >= start && t.queued < end);
  const work = tasks.reduce((sum, t) => sum + (t.ended - t.started), 0);
  const busy = tasks.reduce((sum, t) => sum + Math.max(0, Math.min(t.ended, end) - Math.max(t.started, start)), 0);
  const longest = tasks.reduce((m, t) => Math.max(m, t.ended - t.started), 0);
  // Most tasks waiting or running at once: +1 at each queueing, −1 at each end.
  const marks = tasks.flatMap((t) => [[t.queued, 1], [t.ended, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let offered = 0;
  for (const [, d] of marks) offered = Math.max(offered, (open += d));
  const serial = end - start - busy;
  const at = (n) => serial + (work > 0 ? Math.max(work / Math.min(n, offered), longest) : 0);
  return { step, measured: end - start, serial, work, tasks: tasks.length, offered, longest, at };
});

const s = (ms) => (ms / 1000).toFixed(1);
console.log(`| step | measured s (1 thread) | pool idle s | pool work s | tasks | most offered at once | longest task s | ${threads.map((n) => `${n} threads s`).join(' | ')} |`);
console.log(`|---|---:|---:|---:|---:|---:|---:|${threads.map(() => '---:').join('|')}|`);
for (const r of rows) console.log(`| ${r.step} | ${s(r.measured)} | ${s(r.serial)} | ${s(r.work)} | ${r.tasks} | ${r.offered} | ${s(r.longest)} | ${threads.map((n) => s(r.at(n))).join(' | ')} |`);
const total = (f) => rows.reduce((sum, r) => sum + f(r), 0);
const base = total((r) => r.at(1));
console.log(`| **total** | ${s(total((r) => r.measured))} | ${s(total((r) => r.serial))} | ${s(total((r) => r.work))} | ${total((r) => r.tasks)} | | | ${threads.map((n) => `**${s(total((r) => r.at(n)))}**`).join(' | ')} |`);
console.log(`| speed-up over 1 thread | | | | | | | ${threads.map((n) => `${(base / total((r) => r.at(n))).toFixed(2)}×`).join(' | ')} |`);
