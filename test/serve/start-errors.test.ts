import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer } from '../../src/engines/serve/index.js';
import { ConfigError } from '../../src/domain/errors.js';
import { CLI, runCli } from '../cli/cli.js';
import { useTempDir } from '../helpers/tmp.js';

// `baskets serve` started wrong says what to change in one line and exits 2 (a usage error),
// never with a raw Node error such as "listen EADDRINUSE" or "ENOTDIR".

const tempDir = useTempDir('baskets-serve-start-');
let cacheDir: string;
let holder: Server;
let heldPort: number;
beforeEach(async () => {
  cacheDir = tempDir();
  // A real listener on loopback, holding the port the server is told to use.
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  heldPort = (holder.address() as AddressInfo).port;
});
afterEach(() => new Promise<void>((resolve) => holder.close(() => resolve())));

/** `baskets serve <args>` to its exit: its code and its stderr. */
function serve(args: string[]): { code: number | null; stderr: string } {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first (`npm test` does)');
  const dataDir = args.includes('--data-dir') ? [] : ['--data-dir', join(cacheDir, 'serve')];
  const { code, stderr } = runCli(['serve', '--instant', ...dataDir, ...args], { BASKETS_CACHE_DIR: cacheDir, BASKETS_SERVE_TOKEN: undefined }, 30_000);
  return { code, stderr };
}

describe('baskets serve refuses bad flags with exit code 2 and one line', () => {
  it.each([
    [['--faults', 'garbage'], 'baskets: bad fault spec entry "garbage": expected e.g. "5xx=0.05,'],
    [['--faults', '5xx=2'], 'baskets: fault rate "5xx" must be between 0 and 1, got 2'],
    [['--models', 'ghost'], 'baskets: unknown builtin model "ghost": choose from founders-small, '],
    [['--host', '0.0.0.0'], 'baskets: refusing to listen on 0.0.0.0 without a token: pass --token <secret>'],
    [['--port', 'abc'], 'baskets: --port "abc" is not a port number: pass a whole number from 0 to 65535 (0 picks a free port)'],
    [['--port='], 'baskets: --port "" is not a port number: pass a whole number from 0 to 65535'],
    [['--port', '0x50'], 'baskets: --port "0x50" is not a port number'],
  ])('%j', (args, start) => {
    const { code, stderr } = serve(args);
    expect(stderr.startsWith(start), stderr).toBe(true);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(code).toBe(2);
  });

  it('a port in use names the port and what to do', () => {
    expect(serve(['--port', String(heldPort)])).toEqual({ code: 2, stderr: `baskets: port ${heldPort} on 127.0.0.1 is in use: stop what holds it or choose another with --port\n` });
  });

  it('a data dir that is a file, or lies under one, names the path and what to do', () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    for (const dataDir of [file, join(file, 'serve')]) {
      expect(serve(['--port', '0', '--data-dir', dataDir])).toEqual({ code: 2, stderr: `baskets: cannot use ${dataDir} as the data dir: it, or a folder above it, is a file — pass a directory with --data-dir\n` });
    }
  });
});

describe('startServer refusals', () => {
  it('are usage errors that leave no temp data dir behind', async () => {
    const tmp = mkdtempSync(join(tempDir(), 'tmp-'));
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      await expect(startServer({ port: 0, cacheDir, models: ['ghost'] })).rejects.toBeInstanceOf(ConfigError);
      await expect(startServer({ port: 0, cacheDir, faults: 'stall=2' })).rejects.toBeInstanceOf(ConfigError);
      await expect(startServer({ port: heldPort, cacheDir, models: [] })).rejects.toThrow(new ConfigError(`port ${heldPort} on 127.0.0.1 is in use: stop what holds it or choose another with --port`));
      // 192.0.2.1 is TEST-NET-1, an address no machine of ours has.
      await expect(startServer({ host: '192.0.2.1', token: 't', port: 0, cacheDir, models: [] })).rejects.toThrow(
        new ConfigError('192.0.2.1 is not an address of this machine: pass one of its addresses with --host, or 127.0.0.1'),
      );
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      process.env.TMPDIR = previous;
    }
  });
});
