#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { basketsCommand } from './pipeline/command-hint.js';
import { SessionStore } from './pipeline/store.js';
import { basketsVersion } from './pipeline/provenance.js';
import { loadSettings, resolveSessionsDir } from './settings.js';
import { EXIT, exitCodeOf } from './commands/errors.js';
import { ConfigError, ProblemsError } from './domain/errors.js';
import { checkProgramOptions, usageErrorFrom } from './commands/usage.js';
import { sanitizeLine } from './util/sanitize.js';

// React and Ink are imported below, on demand: unless told otherwise, they run their production
// builds. The development builds check and time every render, which cost the live Run notebook
// a third of its CPU (bench/tui).
process.env.NODE_ENV ??= 'production';

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
const warn = (line: string) => process.stderr.write(line + '\n');
/** An interactive terminal: the TUI is used; otherwise the same work prints lines. */
const interactive = () => Boolean(process.stdout.isTTY && process.stdin.isTTY);

const EXIT_CODES_HELP = `
Exit codes:
  ${EXIT.ok}    success
  ${EXIT.failed}    the work failed (a step of the run, the server, the probe)
  ${EXIT.usage}    bad usage or configuration: change the command or the session, then retry
  ${EXIT.locked}   another runner holds the session's lock: attach to it, or retry once it is done
  ${EXIT.cancelled}  the run was cancelled (Ctrl-C, \`baskets cancel\`); \`baskets run\` resumes it`;

/** Options several commands take. */
interface Shared {
  sessions?: string;
  ascii?: boolean;
  json?: boolean;
  headless?: boolean;
}
interface RunOpts extends Shared {
  steps?: string;
  detach?: boolean;
  retryErrors?: boolean;
  strict?: boolean;
  fresh?: boolean;
}

const sessionsOption = () => new Option('--sessions <dir>', 'the sessions folder (default: the settings, else ./sessions)');
const asciiOption = () => new Option('--ascii', 'draw the TUI with plain characters');
const verboseOption = () => new Option('--verbose', 'add the stack trace to an error');
const headlessOption = () => new Option('--headless', 'print progress lines, even in a terminal');
const jsonOption = (what: string) => new Option('--json', what);
const runOptions = (cmd: Command) =>
  cmd
    .addOption(headlessOption())
    .addOption(jsonOption('print the run events as JSON lines (implies --headless)'))
    .option('--detach', 'start the runner in the background and return; it outlives the terminal');

const store = (o: Shared) => new SessionStore(resolveSessionsDir(o.sessions));
const list = (csv: string | undefined) => csv?.split(',').map((m) => m.trim()).filter(Boolean);

async function openTui(o: Shared, extra: { initialSession?: string; initialScreen?: 'run'; trainTarget?: string; sessionsDir?: string } = {}): Promise<void> {
  // The TUI uses every setting: a bad settings file is refused here, as a plain error, not inside the drawn TUI.
  loadSettings();
  const { runTui } = await import('./app.js');
  const { sessionsDir = store(o).root, ...rest } = extra;
  await runTui({ sessionsDir, ascii: o.ascii ?? false, ...rest });
}

async function tui(o: Shared): Promise<number> {
  // Ink needs raw mode on a terminal; without one it would crash with a React stack.
  if (!interactive()) {
    throw new ConfigError('the TUI needs an interactive terminal: run `baskets run <session> --headless` (or `baskets attach <session> --json`) instead');
  }
  await openTui(o);
  return EXIT.ok;
}

/** `baskets run <session>` and `baskets demo` (which runs the demo session). */
async function run(session: string | undefined, o: RunOpts): Promise<number> {
  const s = store(o);
  let name: string;
  if (session === undefined) {
    const { ensureDemoSession } = await import('./commands/demo.js');
    name = ensureDemoSession(s, { fresh: o.fresh });
  } else {
    name = session;
  }
  const runner = await import('./commands/run.js');
  const flags = { steps: o.steps, json: o.json, retryErrors: o.retryErrors, strict: o.strict };
  if (o.detach && o.json) throw new ConfigError(`--json has no effect with --detach (the runner writes to its runner.log): follow it with \`${basketsCommand(`attach ${name} --json`, s.root)}\``);
  if (o.detach) return runner.runDetached(s, name, flags, out);
  if (o.headless || o.json || !interactive()) return runner.runHeadless(s, name, flags, out, warn);
  // Interactive: the run lives in its own process; the TUI attaches and may quit freely.
  await runner.runDetached(s, name, flags, () => {});
  await openTui(o, { sessionsDir: s.root, initialSession: name, initialScreen: 'run' });
  runner.sayIfStillRunning(s, name, out);
  return EXIT.ok;
}

async function attach(session: string | undefined, o: Shared & { train?: string }): Promise<number> {
  if (o.train) {
    if (session) throw new ConfigError(`attach --train follows a training run, not a session: drop "${session}", or drop --train to follow the session`);
    const { attachTraining, checkTrainingTarget } = await import('./commands/attach-train.js');
    if (o.headless || o.json || !interactive()) return attachTraining(o.train, { json: o.json }, out);
    checkTrainingTarget(o.train);
    await openTui(o, { trainTarget: o.train });
    return EXIT.ok;
  }
  if (!session) throw new ConfigError('`baskets attach` needs <session>, or --train <target>: see `baskets attach --help`');
  const s = store(o);
  const runner = await import('./commands/run.js');
  if (o.headless || o.json || !interactive()) return runner.attachHeadless(s, session, { json: o.json }, out, warn);
  s.load(session);
  await openTui(o, { sessionsDir: s.root, initialSession: session, initialScreen: 'run' });
  runner.sayIfStillRunning(s, session, out);
  return EXIT.ok;
}

/** The command line: each command with its own arguments, options and help. `done` receives the exit code. */
function program(done: (code: number) => void): Command {
  const version = basketsVersion();
  const baskets = new Command('baskets')
    .description(
      'synthetic eggs in many baskets: how the diversity of synthetic data sources shapes fine-tuned models\n\n' +
        'With no command: the TUI (sessions, the new-session wizard, run notebooks, results).',
    )
    .version(version, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    // Options after a command are that command's: each command says which it takes.
    .enablePositionalOptions()
    .configureOutput({ outputError: () => {} }) // errors are printed once, by main's caller, in baskets' words
    .addOption(sessionsOption())
    .addOption(asciiOption())
    .addOption(verboseOption())
    .addHelpText('after', `\n\`baskets help <command>\` (or \`baskets <command> --help\`) shows a command's own options.\n${EXIT_CODES_HELP}`)
    .action(async (o: Shared) => done(await tui(o)));

  runOptions(
    baskets
      .command('demo')
      .description('create the offline demo study (builtin models; no GPU, no network) in the sessions folder, and run it in the TUI')
      .option('--fresh', "delete the demo's outputs (keeping its session.json) and start over"),
  ).action(async (_o, cmd: Command) => done(await run(undefined, cmd.optsWithGlobals<RunOpts>())));

  runOptions(
    baskets
      .command('run')
      .description("run a session's steps in order: in the TUI in a terminal (quitting it leaves the run going), progress lines otherwise")
      .argument('<session>', 'the session to run')
      .option('--steps <list>', 'only these steps, comma-separated (data, generate, assemble, train, answer, perplexity, …)'),
  )
    .option('--retry-errors', 'retry the requests that failed in an earlier run')
    .option('--strict', 'stop at the first malformed record of the data instead of skipping it')
    .action(async (session: string, _o, cmd: Command) => done(await run(session, cmd.optsWithGlobals<RunOpts>())));

  baskets
    .command('attach')
    .description('follow a running (or finished) session; Ctrl-C detaches, never stops it')
    .argument('[session]', 'the session to follow')
    .option('--train <target>', 'instead, follow a training run started outside baskets (HF Trainer, axolotl, LLaMA-Factory, TRL): its output dir, log or trainer_state.json')
    .addOption(headlessOption())
    .addOption(jsonOption('print the events as JSON lines (implies --headless)'))
    .action(async (session: string | undefined, _o, cmd: Command) => done(await attach(session, cmd.optsWithGlobals())));

  baskets
    .command('cancel')
    .description("stop a session's runner cleanly; `baskets run` resumes where it stopped")
    .argument('<session>', 'the session whose run to stop')
    .action(async (session: string, _o, cmd: Command) => {
      const { cancelRun } = await import('./commands/run.js');
      done(await cancelRun(store(cmd.optsWithGlobals<Shared>()), session, out));
    });

  baskets
    .command('serve')
    .description('an OpenAI-compatible server over the builtin models, until Ctrl-C')
    .option('--host <address>', 'the address to listen on (default 127.0.0.1; any other needs --token)')
    .option('--port <n>', 'the port (default 8000; 0 picks a free one)')
    .option('--token <secret>', 'the bearer token clients must send (default $BASKETS_SERVE_TOKEN)')
    .option('--faults <spec>', 'inject faults, e.g. 5xx=0.05,429=0.05,seed=7')
    .option('--instant', 'answer at once, without model work (for benchmarks of the HTTP path)')
    .option('--models <list>', 'serve only these builtin models, comma-separated')
    .option('--data-dir <dir>', 'where uploads and fine-tuned models are kept across restarts')
    .action(async (o: { host?: string; port?: string; token?: string; faults?: string; instant?: boolean; models?: string; dataDir?: string }) => {
      const { serveCommand } = await import('./commands/serve.js');
      done(await serveCommand(o, out));
    });

  baskets
    .command('metrics')
    .description('every text metric of a file of records; semantic diversity and perplexity where records carry vectors or log-probs')
    .argument('<file>', 'a JSONL file, one record per line')
    .option('--field <name>', 'the text field of each record (default response)')
    .option('--vector-field <name>', 'the embedding field (default embedding)')
    .option('--logprobs-field <name>', 'the token log-probs field, natural log (default logprobs)')
    .addOption(jsonOption('print the metrics as JSON'))
    .action(async (file: string, o: { field?: string; vectorField?: string; logprobsField?: string; json?: boolean }) => {
      const { metricsCommand } = await import('./commands/metrics.js');
      done(await metricsCommand(file, { ...o, out, warn }));
    });

  baskets
    .command('report')
    .description('every evaluation result of a session with its interval and n, per target and condition')
    .argument('<session>', 'the session to report on')
    .addOption(new Option('--format <format>', 'the report format').choices(['md', 'csv', 'json']).default('md'))
    .option('--out <file>', 'write the report to this file instead of printing it')
    .action(async (session: string, _o, cmd: Command) => {
      const o = cmd.optsWithGlobals<Shared & { format: string; out?: string }>();
      const { reportCommand } = await import('./commands/report.js');
      done(await reportCommand(store(o), session, { format: o.format, out: o.out, print: out }));
    });

  baskets
    .command('models')
    .description("list a server's models and probe what each can do (chat, logprobs, scoring, embeddings, context length)")
    .argument('<base-url>', 'the server, e.g. http://localhost:8000/v1')
    .addOption(jsonOption('print the probe as JSON'))
    .option('--refresh', 'probe again instead of showing the cached result')
    .option('--models <list>', 'probe only these models, comma-separated (each probe is a request)')
    .option('--api-key-env <var>', "the environment variable holding the server's API key")
    .action(async (baseUrl: string, o: { json?: boolean; refresh?: boolean; models?: string; apiKeyEnv?: string }) => {
      const { modelsCommand } = await import('./commands/models.js');
      done(await modelsCommand(baseUrl, { ...o, models: list(o.models), out }));
    });

  baskets
    .command('help')
    .description('show the help of baskets, or of one command')
    .argument('[command]', 'the command to explain')
    .action((name: string | undefined) => {
      const target = name === undefined ? baskets : baskets.commands.find((c) => c.name() === name);
      if (!target) throw new ConfigError(`unknown command "${name}": see \`baskets --help\``);
      target.outputHelp();
      done(EXIT.ok);
    });

  // Options that fit every command, and a session folder and TUI look for those that use them.
  const usesSessions = ['demo', 'run', 'attach', 'cancel', 'report'];
  const opensTui = ['demo', 'run', 'attach'];
  for (const cmd of baskets.commands) {
    if (usesSessions.includes(cmd.name())) cmd.addOption(sessionsOption());
    if (opensTui.includes(cmd.name())) cmd.addOption(asciiOption());
    cmd.addOption(verboseOption());
  }
  for (const cmd of [baskets, ...baskets.commands]) {
    cmd.exitOverride((err) => {
      throw err.exitCode === EXIT.ok ? err : usageErrorFrom(err, cmd);
    });
  }
  baskets.hook('preAction', (_program, action) => checkProgramOptions(baskets, action));
  return baskets;
}

async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  try {
    await program((c) => (code = c)).parseAsync(argv, { from: 'user' });
  } catch (err) {
    // --help and --version end the parse early, with code 0.
    if (err instanceof CommanderError && err.exitCode === EXIT.ok) return EXIT.ok;
    throw err;
  }
  return code;
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
    process.exitCode = exitCodeOf(e);
  },
);
