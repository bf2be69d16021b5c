import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openOpenAIModel, type OpenAIModelOptions } from '../../src/engines/openai/index.js';
import type { StepEvent } from '../../src/domain/events.js';
import type { Example, SyntheticRecord } from '../../src/domain/example.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { Session, type SessionInput } from '../../src/domain/session.js';
import type { Step, StepContext } from '../../src/pipeline/step.js';
import { writeFileAtomic } from '../../src/util/atomic.js';
import { builtinInstructionSet } from '../../src/engines/builtin/index.js';
import { mulberry32 } from '../../src/util/rng.js';
import { CLI } from '../cli/cli.js';
import { SHARED_DOLLY_FILE, sharedData } from '../helpers/tmp.js';

/**
 * The first `n` Dolly records of the shared sample, as the data step would write them. Where
 * ../shared is absent, the builtin instruction set stands in: these tests need instructions
 * with contexts and answers, not Dolly's in particular.
 */
export function dollyExamples(n: number): Example[] {
  const dolly = sharedData(SHARED_DOLLY_FILE, 'the generation tests use the builtin instruction set');
  if (!dolly) return builtinInstructionSet().slice(0, n);
  const lines = readFileSync(dolly, 'utf8').trim().split('\n');
  return lines.slice(0, n).map((line, i) => {
    const r = JSON.parse(line) as Record<string, string>;
    return { id: String(i), instruction: r.instruction, context: r.context, response: r.response, category: r.category };
  });
}

export function openaiSource(id: string, baseUrl: string, model: string, over: Record<string, unknown> = {}) {
  return {
    id,
    family: id,
    size: 'small' as const,
    roles: ['source' as const],
    engine: { engine: 'openai' as const, baseUrls: [baseUrl], model, concurrency: 8, ...over },
    generation: { temperature: 0.8, topP: 0.95, maxTokens: 24 },
  };
}

export function builtinSource(id: string, base: string) {
  return {
    id,
    family: id,
    size: 'small' as const,
    roles: ['source' as const],
    engine: { engine: 'builtin' as const, base },
    generation: { temperature: 0.8, topP: 0.95, maxTokens: 24 },
  };
}

/** A session dir with its train split written, ready for the generate step. */
export function makeSession(models: SessionInput['models'], examples: Example[], dir = mkdtempSync(join(tmpdir(), 'baskets-gen-'))) {
  const session = Session.parse({
    version: 1,
    name: 'gen-test',
    createdAt: '2026-11-25T00:00:00.000Z',
    seed: 42,
    data: { source: { kind: 'file', path: 'x.jsonl' } },
    models,
  });
  const paths = sessionPaths(dir);
  writeFileAtomic(paths.sessionFile, JSON.stringify(session, null, 2));
  writeFileAtomic(paths.humanTrain, examples.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return { session, paths, dir };
}

/** Run a step to its end, resolving session models through the openai engine with `modelOpts`. */
export async function runStep(
  step: Step,
  { session, paths }: { session: Session; paths: ReturnType<typeof sessionPaths> },
  opts: { retryErrors?: boolean; modelOpts?: OpenAIModelOptions; signal?: AbortSignal } = {},
): Promise<{ events: StepEvent[]; error?: Error }> {
  const opened: Array<{ close(): Promise<void> }> = [];
  const ctx: StepContext = {
    session,
    paths,
    options: { retryErrors: opts.retryErrors ?? false, strict: false },
    signal: opts.signal ?? new AbortController().signal,
    now: Date.now,
    models: {
      model: async (id) => {
        const entry = session.models.find((m) => m.id === id)!;
        const model = await openOpenAIModel(entry, opts.modelOpts);
        opened.push(model);
        return model;
      },
      forCondition: () => Promise.reject(new Error('not used by the generate step')),
    },
  };
  const events: StepEvent[] = [];
  try {
    for await (const e of step(ctx)) events.push(e);
    return { events };
  } catch (err) {
    return { events, error: err as Error };
  } finally {
    await Promise.all(opened.map((m) => m.close()));
  }
}

export function readRows(file: string): SyntheticRecord[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as SyntheticRecord);
}

/** A loopback port with nothing listening on it. */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Rows sorted by key, without their write time: what two runs of the same keys must agree on. */
export const withoutTime = (rows: SyntheticRecord[]) => rows.map(({ t: _t, ...rest }) => rest).sort((a, b) => a.key.localeCompare(b.key));

function countLines(files: string[]): number {
  return files.reduce((n, f) => n + (existsSync(f) ? readFileSync(f, 'utf8').split('\n').length - 1 : 0), 0);
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((res) => (child.exitCode !== null || child.signalCode !== null ? res(child.exitCode) : child.once('exit', (code) => res(code))));

/**
 * `baskets run <session> --headless --steps generate`, killed with SIGKILL each time `files`
 * have grown by a seeded random 4–19 lines and started again, up to `maxKills` times; the last
 * start runs to its end. Returns the kills that landed and the final exit code.
 */
export async function killAndRestart(sessionsDir: string, name: string, files: string[], maxKills = 6, seed = 2026): Promise<{ kills: number; code: number | null }> {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first (`npm test` does)');
  const rand = mulberry32(seed);
  for (let kills = 0; ; kills++) {
    const child = spawn(process.execPath, [CLI, 'run', name, '--headless', '--steps', 'generate', '--sessions', sessionsDir], { stdio: 'ignore' });
    const target = countLines(files) + 4 + Math.floor(rand() * 16);
    while (countLines(files) < target && child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
    if (child.exitCode !== null || kills >= maxKills) return { kills, code: await exited(child) };
    child.kill('SIGKILL');
    await exited(child);
  }
}
