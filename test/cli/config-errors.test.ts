import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SessionStore } from '../../src/pipeline/store.js';
import { useTempDir } from '../helpers/tmp.js';
import { hasTmux, shq, Tmux } from '../e2e/tmux.js';
import { perCli } from './budget.js';
import { CLI, runCli } from './cli.js';

const tmp = useTempDir('baskets-config-');

/** A folder with a settings file holding `text`, and the env that points baskets at it. */
function withSettings(text: string) {
  const root = tmp();
  const config = join(root, 'config');
  mkdirSync(config);
  writeFileSync(join(config, 'config.json'), text);
  return { root, file: join(config, 'config.json'), env: { BASKETS_CONFIG_DIR: config, BASKETS_CACHE_DIR: join(root, 'cache') } };
}

describe('a corrupt settings file', () => {
  it('is named with the bad key and what to do; a command that needs another setting still works', { timeout: perCli(3) }, () => {
    const { root, file, env } = withSettings(JSON.stringify({ sessionsDir: 5, theme: 'dark' }));
    const bad = runCli(['report', 'study'], env);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe(
      `baskets: the settings file ${file} has a bad value: fix it, or delete the file to go back to the defaults:\n` +
        '  sessionsDir: Invalid input: expected string, received number\n',
    );
    // --sessions stands in for the bad setting.
    const flagged = runCli(['report', 'study', '--sessions', join(root, 'sessions')], env);
    expect(flagged.stderr).toMatch(/^baskets: no session "study" in /);

    // A bad theme does not stop a command that only needs the sessions folder.
    writeFileSync(file, JSON.stringify({ sessionsDir: join(root, 'elsewhere'), theme: 'neon' }));
    const themed = runCli(['report', 'study'], env);
    expect(themed.stderr).toMatch(new RegExp(`^baskets: no session "study" in ${join(root, 'elsewhere')}`));
  });

  it.skipIf(!hasTmux())('stops the TUI in a terminal with the same error, before anything is drawn', { timeout: perCli(1) }, async () => {
    const { root, file, env } = withSettings(JSON.stringify({ theme: 'neon' }));
    const tmux = new Tmux(`baskets-config-${process.pid}`, { ...process.env, ...env });
    try {
      // Wide enough that no line wraps; the shell stays to keep what was printed on the screen.
      tmux.start(400, 20, `node ${shq(CLI)} --sessions ${shq(join(root, 'sessions'))}; echo "exit $?"; sleep 600`);
      const screen = await tmux.waitFor('baskets to exit', (s) => (s.lines.includes('exit 2') ? null : 'no exit line'), perCli(1) / 2);
      expect(screen.lines.filter(Boolean)).toEqual([
        `baskets: the settings file ${file} has a bad value: fix it, or delete the file to go back to the defaults:`,
        '  theme: Invalid option: expected one of "auto"|"dark"|"light"|"mono"',
        'exit 2',
      ]);
    } finally {
      tmux.kill();
    }
  });

  it('that is not JSON says where: line and column', { timeout: perCli(1) }, () => {
    const { file, env } = withSettings('{\n  "sessionsDir": "./s",\n  "theme": dark\n}\n');
    const r = runCli(['report', 'study'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `baskets: the settings file ${file} is not valid JSON: fix it, or delete the file to go back to the defaults:\n` +
        '  line 3, column 12: unexpected text, at `  "theme": dark`\n',
    );
  });
});

describe('a broken session.json', () => {
  function session() {
    const root = tmp();
    const store = new SessionStore(join(root, 'sessions'));
    store.create({ version: 1, name: 's', createdAt: 'now', data: { source: { kind: 'builtin', name: 'sotu-continuations' } } });
    const file = join(store.root, 's', 'session.json');
    return { file, text: readFileSync(file, 'utf8'), args: ['report', 's', '--sessions', store.root], env: { BASKETS_CONFIG_DIR: join(root, 'config'), BASKETS_CACHE_DIR: join(root, 'cache') } };
  }

  it('lists every problem, one a line', { timeout: perCli(1) }, () => {
    const { file, text, args, env } = session();
    const { createdAt: _dropped, ...raw } = JSON.parse(text);
    writeFileSync(file, JSON.stringify({ ...raw, seed: 'seven', data: { ...raw.data, testFraction: 3 }, colour: 'red' }, null, 2));
    const r = runCli(args, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      [
        `baskets: ${file} does not hold a valid session: fix these, or restore the file:`,
        '  createdAt: missing — add it (string)',
        '  seed: Invalid input: expected number, received string',
        '  data.testFraction: Too big: expected number to be <1',
        '  colour: unknown key — remove it or check its spelling',
        '',
      ].join('\n'),
    );
  });

  it('that is not JSON says the line and column, and shows that line made safe for the terminal', { timeout: perCli(1) }, () => {
    const { file, text, args, env } = session();
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes('"createdAt"'));
    // A comma dropped, and in its place an escape sequence that would clear the screen if printed raw.
    lines[at] = lines[at].replace(/,$/, '') + ' \u001b[2J';
    writeFileSync(file, lines.join('\n'));
    const r = runCli(args, env);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('\u001b');
    expect(r.stderr).toBe(`baskets: ${file} is not valid JSON: line ${at + 1}, column 22: unexpected text, at \`  "createdAt": "now" \` — fix the file or restore it\n`);
  });
});
