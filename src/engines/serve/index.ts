import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultInjector, parseFaults, type FaultSpec } from './faults.js';
import { FileStore } from './files.js';
import { JobManager, type JobDeps } from './jobs.js';
import { ModelRegistry } from './registry.js';
import { listen } from './server.js';
import { builtinServeEngine } from './builtin-engine.js';
import type { ServeEngine } from './served-model.js';
import { nowSeconds } from './clock.js';
import { sanitizeLine } from '../../util/sanitize.js';
import { ConfigError } from '../../domain/errors.js';

/**
 * `baskets serve`: an OpenAI-compatible HTTP server over the builtin engine (DESIGN.md §2),
 * with vLLM's extensions (/tokenize, prompt_logprobs, max_model_len), OpenAI's fine-tuning
 * jobs, optional fault injection and an instant mode for client benchmarks.
 */

export { parseFaults, type FaultSpec, type FaultKind } from './faults.js';

export interface ServeOptions {
  host?: string;
  port?: number;
  /** Required as a bearer token when set; required to listen beyond loopback. */
  token?: string;
  faults?: FaultSpec | string;
  /** Builtin bases to expose (default: all). */
  models?: string[];
  cacheDir?: string;
  /** Answer chat completions at once with deterministic text (client benchmarks). */
  instant?: boolean;
  /** Where uploaded files and fine-tuned models live (default: a temp dir, removed on close). */
  dataDir?: string;
  log?: (line: string) => void;
}

export interface RunningServer {
  /** The OpenAI base URL, e.g. http://127.0.0.1:8000/v1 */
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startServer(opts: ServeOptions, engine: ServeEngine = builtinServeEngine({ cacheDir: opts.cacheDir, log: opts.log })): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && !opts.token) {
    throw new ConfigError(`refusing to listen on ${host} without a token: pass --token <secret> (clients then send it as a bearer token), or bind 127.0.0.1`);
  }
  if (opts.token !== undefined && opts.token.trim() === '') throw new ConfigError('the token is empty: pass a non-empty --token');
  const faults = opts.faults === undefined ? undefined : new FaultInjector(typeof opts.faults === 'string' ? parseFaults(opts.faults) : opts.faults);
  const log = opts.log ?? (() => {});

  const registry = new ModelRegistry();
  const bases = engine.bases();
  const wanted = opts.models ?? bases.map((b) => b.id);
  for (const id of wanted) {
    const info = bases.find((b) => b.id === id);
    if (!info) throw new ConfigError(`unknown builtin model "${id}": choose from ${bases.map((b) => b.id).join(', ')}`);
    registry.add(info, () => engine.openBase(id));
  }

  // Made only once the options are known good, so that a refused start leaves no temp dir behind.
  const ownDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'baskets-serve-'));
  const removeOwnDataDir = () => {
    // A temp data dir holds only this server's uploads and jobs, which die with it.
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const { files, jobs } = openStores(dataDir, {
    canTrain: (base) => wanted.includes(base),
    train: (req) => engine.train(req),
    registerModel: (id, base, modelDir) => {
      const parent = bases.find((m) => m.id === base);
      const info = { id, created: nowSeconds(), ownedBy: 'baskets', parent: base, root: parent?.root ?? base, contextLength: parent?.contextLength ?? 0 };
      registry.add(info, () => engine.openTrained(info, modelDir));
    },
    log,
  });

  const port = opts.port ?? 0;
  const server = await listen({ host, port, token: opts.token, faults, instant: opts.instant ?? false, models: registry, files, jobs, log }).catch((err: unknown) => {
    removeOwnDataDir();
    throw listenProblem(host, port, err);
  });
  const urlHost = host.includes(':') ? `[${host}]` : host;
  log(`baskets serve listening on http://${urlHost}:${server.port}/v1 (${wanted.length} models${faults ? ', faults on' : ''}${opts.instant ? ', instant' : ''})`);
  const close = async () => {
    await server.close();
    removeOwnDataDir();
  };
  return { url: `http://${urlHost}:${server.port}/v1`, port: server.port, close };
}

/** The file store and job manager under `dataDir`; a dir they cannot use is the user's to change. */
function openStores(dataDir: string, jobDeps: Omit<JobDeps, 'dataDir' | 'files'>): { files: FileStore; jobs: JobManager } {
  try {
    const files = new FileStore(dataDir);
    return { files, jobs: new JobManager({ ...jobDeps, dataDir, files }) };
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    if (code === 'ENOTDIR' || code === 'EEXIST') throw new ConfigError(`cannot use ${dataDir} as the data dir: it, or a folder above it, is a file — pass a directory with --data-dir`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new ConfigError(`cannot write to the data dir ${dataDir} (${code}): fix its permissions or choose another with --data-dir`);
    if (code) throw new ConfigError(`cannot use ${dataDir} as the data dir (${message}): choose another with --data-dir`);
    throw err;
  }
}

/** A listen error that --host or --port fixes, said so in one line; any other error as it is. */
function listenProblem(host: string, port: number, err: unknown): unknown {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new ConfigError(`port ${port} on ${host} is in use: stop what holds it or choose another with --port`);
    case 'EACCES':
      return new ConfigError(`no permission to listen on port ${port} of ${host} (ports below 1024 need root): choose another with --port`);
    case 'EADDRNOTAVAIL':
      return new ConfigError(`${host} is not an address of this machine: pass one of its addresses with --host, or 127.0.0.1`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConfigError(`cannot resolve the host "${host}": pass an address of this machine with --host, e.g. 127.0.0.1`);
    default:
      return err;
  }
}

/**
 * The `baskets serve` command: start the server, say where it listens, and close cleanly on
 * SIGINT/SIGTERM (running fine-tuning jobs are stopped). Resolves once the server is closed.
 */
export async function runServe(opts: ServeOptions, out: (line: string) => void = (line) => console.log(line)): Promise<void> {
  // Log lines can quote client input (paths, model names): strip escapes before the terminal sees them.
  const server = await startServer({ ...opts, log: opts.log ?? ((line) => out(sanitizeLine(line))) });
  out(`OpenAI base URL: ${server.url}${opts.token ? ' (send the token as a bearer token)' : ''}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      out('closing the server');
      server.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
