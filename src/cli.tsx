#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { SessionStore } from './pipeline/store.js';
import { resolveSessionsDir } from './settings.js';
import { EXIT, UsageError } from './commands/errors.js';
import { ProblemsError } from './pipeline/errors.js';
import { sanitizeLine } from './util/sanitize.js';

// React and Ink are imported below, on demand: unless told otherwise, they run their production
// builds. The development builds check and time every render, which cost the live Run notebook
// a third of its CPU (bench/tui).
process.env.NODE_ENV ??= 'production';

const USAGE = `baskets — synthetic eggs in many baskets: how the diversity of synthetic data sources shapes fine-tuned models

usage:
  baskets                              the TUI: sessions, the new-session wizard, run notebooks, results
  baskets demo [--headless] [--json] [--fresh]
                                       the offline demo study (builtin models), run in the TUI
  baskets run <session> [--steps data,generate,…] [--detach] [--headless] [--json] [--retry-errors] [--strict]
  baskets attach <session> [--json]    follow a running (or finished) session; Ctrl-C detaches, never stops it
  baskets attach --train <output-dir|log|trainer_state.json> [--headless] [--json]
                                       follow a training run started outside baskets (HF Trainer, axolotl, LLaMA-Factory, TRL):
                                       its live loss chart in a terminal, progress lines or JSON events otherwise
  baskets cancel <session>             stop a session's running runner cleanly (it resumes with \`baskets run\`)
  baskets serve [--host 127.0.0.1] [--port 8000] [--token T] [--faults SPEC] [--instant] [--models a,b] [--data-dir DIR]
  baskets metrics <file.jsonl> [--field response] [--vector-field embedding] [--logprobs-field logprobs] [--json]
  baskets report <session> [--format md|csv|json] [--out FILE]
  baskets models <base-url> [--json] [--refresh] [--models a,b] [--api-key-env VAR]

global options: --sessions DIR (default: settings, else ./sessions)  --ascii  --verbose  --help  --version
exit codes: 0 success, 1 a run failed, 2 bad usage or configuration`;

const OPTIONS = {
  sessions: { type: 'string' },
  steps: { type: 'string' },
  train: { type: 'string' },
  detach: { type: 'boolean' },
  headless: { type: 'boolean' },
  json: { type: 'boolean' },
  'retry-errors': { type: 'boolean' },
  strict: { type: 'boolean' },
  fresh: { type: 'boolean' },
  host: { type: 'string' },
  port: { type: 'string' },
  token: { type: 'string' },
  faults: { type: 'string' },
  instant: { type: 'boolean' },
  models: { type: 'string' },
  'data-dir': { type: 'string' },
  field: { type: 'string' },
  'vector-field': { type: 'string' },
  'logprobs-field': { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  refresh: { type: 'boolean' },
  'api-key-env': { type: 'string' },
  ascii: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

// A reader that goes away (`| head`, a dropped ssh session: EPIPE, EIO) must not kill a run in
// progress: output stops, the work goes on.
let stdoutGone = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE' && err.code !== 'EIO') throw err;
  stdoutGone = true;
});
process.stderr.on('error', () => {});
const out = (line: string) => {
  if (!stdoutGone) process.stdout.write(line + '\n');
};
/** An interactive terminal: the TUI is used; otherwise the same work prints lines. */
const interactive = () => Boolean(process.stdout.isTTY && process.stdin.isTTY);

/** How many positional arguments each command takes after its name. */
const POSITIONALS: Record<string, number> = { tui: 0, demo: 0, run: 1, attach: 1, cancel: 1, serve: 0, metrics: 1, report: 1, models: 1 };

/** parseArgs' message as one short line ("unknown option "--bogus""), without its advice on `--`. */
function argumentProblem(err: Error): string {
  const unknown = /^Unknown option '([^']+)'/.exec(err.message);
  if (unknown) return `unknown option "${unknown[1]}"`;
  return err.message.split('\n')[0].replace(/\.$/, '');
}

function need(positionals: string[], index: number, what: string): string {
  const value = positionals[index];
  if (!value) throw new UsageError(`missing ${what}: see \`baskets --help\``);
  return value;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${argumentProblem(err as Error)}: see \`baskets --help\``);
  }
  const { values: flags, positionals } = parsed as { values: Values; positionals: string[] };
  if (flags.help) return (out(USAGE), EXIT.ok);
  if (flags.version) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    return (out(pkg.version), EXIT.ok);
  }
  const [command = 'tui'] = positionals;
  const extra = positionals.slice((POSITIONALS[command] ?? 0) + 1);
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}" after \`baskets ${command}\`: see \`baskets --help\``);
  const store = () => new SessionStore(resolveSessionsDir(flags.sessions));
  const ascii = flags.ascii ?? false;

  switch (command) {
    case 'tui': {
      // Ink needs raw mode on a terminal; without one it would crash with a React stack.
      if (!interactive()) {
        throw new UsageError('the TUI needs an interactive terminal: run `baskets run <session> --headless` (or `baskets attach <session> --json`) instead');
      }
      const { runTui } = await import('./app.js');
      await runTui({ sessionsDir: store().root, ascii });
      return EXIT.ok;
    }
    case 'run':
    case 'demo': {
      const s = store();
      let name: string;
      if (command === 'demo') {
        const { ensureDemoSession } = await import('./commands/demo.js');
        name = ensureDemoSession(s, { fresh: flags.fresh });
      } else {
        name = need(positionals, 1, 'session name');
      }
      const run = await import('./commands/run.js');
      const runFlags = { steps: flags.steps, json: flags.json, retryErrors: flags['retry-errors'], strict: flags.strict };
      if (flags.detach && flags.json) throw new UsageError(`--json has no effect with --detach (the runner writes to its runner.log): follow it with \`baskets attach ${name} --json\``);
      if (flags.detach) return run.runDetached(s, name, runFlags, out);
      if (flags.headless || flags.json || !interactive()) return run.runHeadless(s, name, runFlags, out);
      // Interactive: the run lives in its own process; the TUI attaches and may quit freely.
      await run.runDetached(s, name, runFlags, () => {});
      const { runTui } = await import('./app.js');
      await runTui({ sessionsDir: s.root, ascii, initialSession: name, initialScreen: 'run' });
      run.sayIfStillRunning(s, name, out);
      return EXIT.ok;
    }
    case 'attach': {
      if (flags.train) {
        if (positionals[1]) throw new UsageError(`attach --train follows a training run, not a session: drop "${positionals[1]}", or drop --train to follow the session`);
        const { attachTraining, checkTrainingTarget } = await import('./commands/attach-train.js');
        if (flags.headless || flags.json || !interactive()) return attachTraining(flags.train, { json: flags.json }, out);
        checkTrainingTarget(flags.train);
        const { runTui } = await import('./app.js');
        await runTui({ sessionsDir: store().root, ascii, trainTarget: flags.train });
        return EXIT.ok;
      }
      const s = store();
      const name = need(positionals, 1, 'session name');
      if (flags.headless || flags.json || !interactive()) {
        const run = await import('./commands/run.js');
        return run.attachHeadless(s, name, { json: flags.json }, out);
      }
      s.load(name);
      const { runTui } = await import('./app.js');
      await runTui({ sessionsDir: s.root, ascii, initialSession: name, initialScreen: 'run' });
      (await import('./commands/run.js')).sayIfStillRunning(s, name, out);
      return EXIT.ok;
    }
    case 'cancel': {
      const { cancelRun } = await import('./commands/run.js');
      return cancelRun(store(), need(positionals, 1, 'session name'), out);
    }
    case 'serve': {
      const { serveCommand } = await import('./commands/serve.js');
      return serveCommand(
        { host: flags.host, port: flags.port, token: flags.token, faults: flags.faults, instant: flags.instant, models: flags.models, dataDir: flags['data-dir'] },
        out,
      );
    }
    case 'metrics': {
      const { metricsCommand } = await import('./commands/metrics.js');
      return metricsCommand(need(positionals, 1, 'file of records'), {
        field: flags.field,
        vectorField: flags['vector-field'],
        logprobsField: flags['logprobs-field'],
        json: flags.json,
        out,
        warn: (line) => process.stderr.write(line + '\n'),
      });
    }
    case 'report': {
      const { reportCommand } = await import('./commands/report.js');
      return reportCommand(store(), need(positionals, 1, 'session name'), { format: flags.format, out: flags.out, print: out });
    }
    case 'models': {
      const { modelsCommand } = await import('./commands/models.js');
      return modelsCommand(need(positionals, 1, 'base URL (e.g. http://localhost:8000/v1)'), {
        json: flags.json,
        refresh: flags.refresh,
        models: flags.models?.split(',').map((m) => m.trim()).filter(Boolean),
        apiKeyEnv: flags['api-key-env'],
        out,
      });
    }
    default:
      throw new UsageError(`unknown command "${command}": see \`baskets --help\``);
  }
}

const verbose = process.argv.includes('--verbose');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    // Messages quote files, servers and model names: never let them drive the terminal.
    const lines = e instanceof ProblemsError ? [`${e.head}:`, ...e.problems.map((p) => `  ${p}`)] : [e.message.split('\n')[0]];
    process.stderr.write(lines.map((line, i) => `${i ? '' : 'baskets: '}${sanitizeLine(line)}\n`).join(''));
    if (verbose && e.stack) process.stderr.write(e.stack + '\n');
    process.exitCode = e instanceof UsageError ? EXIT.usage : EXIT.runFailed;
  },
);
