import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { perCli } from './budget.js';
import { runCli, type CliResult } from './cli.js';

const root = mkdtempSync(join(tmpdir(), 'baskets-grammar-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { BASKETS_CACHE_DIR: join(root, 'cache'), BASKETS_CONFIG_DIR: join(root, 'config') };
const cli = (...args: string[]) => runCli(args, env);

/** A usage error: exit 2, nothing on stdout, exactly this one line on stderr. */
function expectUsage(r: CliResult, line: string) {
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(`baskets: ${line}\n`);
  expect(r.code).toBe(2);
}

/** Each command, an option only it takes, and one it does not. */
const COMMANDS: [string, string, string][] = [
  ['demo', '--fresh', '--steps'],
  ['run', '--steps', '--fresh'],
  ['attach', '--train', '--detach'],
  ['cancel', '--sessions', '--json'],
  ['serve', '--port', '--sessions'],
  ['metrics', '--vector-field', '--port'],
  ['report', '--format', '--json'],
  ['models', '--api-key-env', '--format'],
];

describe('help', () => {
  it.each(COMMANDS)('`baskets %s --help` shows that command, its own options and no other', (command, own, other) => {
    const r = cli(command, '--help');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^Usage: baskets ${command} \\[options\\]`));
    expect(r.stdout).toContain(`${own} `);
    expect(r.stdout).not.toContain(`${other} `);
  }, perCli(1));

  it('`baskets help <command>` is `baskets <command> --help`', () => {
    const viaHelp = cli('help', 'report');
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(cli('report', '-h').stdout);
    expect(viaHelp.stdout).toMatch(/--format <format>\s+the report format\s+\(choices:\s+"md",\s+"csv",\s+"json",\s+default:\s+"md"\)/);
  }, perCli(2));

  it('`baskets help` and `baskets --help` list every command and the exit codes', () => {
    const overview = cli('help');
    expect(overview.code).toBe(0);
    expect(overview.stdout).toBe(cli('--help').stdout);
    for (const [command] of COMMANDS) expect(overview.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(overview.stdout).toMatch(/^Exit codes:\n {2}0 +success\n {2}1 +the work failed.*\n {2}2 +bad usage.*\n {2}75 +another runner holds the session's lock.*\n {2}130 +the run was cancelled/m);
  }, perCli(2));

  it('`baskets help <unknown>` is bad usage', () => {
    expectUsage(cli('help', 'frobnicate'), 'unknown command "frobnicate": see `baskets --help`');
  }, perCli(1));
});

describe('--version', () => {
  it('prints the version of package.json with -v and --version', () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['-v', '--version']) {
      const r = cli(flag);
      expect(r.stdout).toBe(`${version}\n`);
      expect(r.code).toBe(0);
    }
  }, perCli(2));
});

describe('options are checked per command: exit 2, one line on stderr saying where the help is', () => {
  it.each(COMMANDS)('`baskets %s` refuses %s', (command, _own, other) => {
    const r = cli(command, 'x', other, 'y');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^baskets: \`baskets ${command}\` has no option ${other}( \\(.*\\))?: see \`baskets ${command} --help\`\\n$`));
  }, perCli(1));

  it("names the command whose option it is", () => {
    // Issue 19's example, which used to exit 0 with every option ignored.
    expectUsage(
      cli('metrics', 'f.jsonl', '--port', '9', '--steps', 'bogus', '--fresh', '--detach', '--format', 'xml'),
      '`baskets metrics` has no option --port (it is an option of `baskets serve`): see `baskets metrics --help`',
    );
  }, perCli(1));

  it('suggests the near name of a mistyped option', () => {
    expectUsage(cli('run', 's', '--step', 'data'), '`baskets run` has no option --step (did you mean --steps?): see `baskets run --help`');
  }, perCli(1));

  it('refuses an option given before a command that does not take it', () => {
    expectUsage(cli('--sessions', root, 'metrics', 'f.jsonl'), '`baskets metrics` has no option --sessions (other commands take it): see `baskets metrics --help`');
  }, perCli(1));

  it('takes a shared option before or after the command', () => {
    const sessions = join(root, 'sessions');
    for (const args of [['--sessions', sessions, 'cancel', 'nope'], ['cancel', 'nope', '--sessions', sessions]]) {
      const r = cli(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`no session "nope" in ${sessions}`);
    }
  }, perCli(2));
});

describe('bad values and arguments: exit 2, one line on stderr', () => {
  it('a value outside an option\'s choices, naming the allowed values', () => {
    expectUsage(cli('report', 's', '--format', 'xml'), '--format "xml" is not one of md, csv, json: see `baskets report --help`');
  }, perCli(1));

  it('an option without its value', () => {
    expectUsage(cli('metrics', 'f.jsonl', '--field'), '--field <name> needs a value: see `baskets metrics --help`');
  }, perCli(1));

  it('a missing argument', () => {
    expectUsage(cli('report'), '`baskets report` needs <session>: see `baskets report --help`');
  }, perCli(1));

  it('an unknown command', () => {
    expectUsage(cli('frobnicate'), 'unknown command "frobnicate": see `baskets --help`');
  }, perCli(1));

  it('an unknown option of baskets itself', () => {
    expectUsage(cli('--port', '9'), '`baskets` has no option --port (it is an option of `baskets serve`): see `baskets --help`');
  }, perCli(1));
});
