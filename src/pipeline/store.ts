import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../util/atomic.js';
import { jsonSyntaxProblem } from '../util/json-syntax.js';
import { basketsCommand } from './command-hint.js';
import { sessionPaths } from './paths.js';
import { formatSchemaIssues, Session, SESSION_VERSION, type SessionInput } from '../domain/session.js';
import { readRunnerLock } from './lock.js';
import { lastRunStatus, type RunStatus } from './status.js';
import { ConfigError, ProblemsError } from '../domain/errors.js';

export interface SessionSummary {
  name: string;
  status: RunStatus | 'invalid';
  lastActivity: number | null;
  description: string;
  error?: string;
}

/** A session name is a folder name: letters, digits, ".", "_", "-", never a path. */
export function sanitizeSessionName(raw: string): string {
  const name = raw.trim();
  if (!name) throw new ConfigError('session name is empty: give a name such as "qwen-vs-llama"');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) || name.includes('..')) {
    throw new ConfigError(
      `invalid session name "${name.replace(/[^\x20-\x7e]/g, '?').slice(0, 80)}": use letters, digits, ".", "_" or "-" (max 64, no slashes)`,
    );
  }
  return name;
}

/**
 * Parse and validate a session file's text. A syntax error says its line and column; a file
 * that breaks the schema has every problem listed, one per bad key.
 */
export function parseSession(text: string, where: string): Session {
  let raw: unknown;
  const json = text.replace(/^\uFEFF/, '');
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new ConfigError(`${where} is not valid JSON: ${jsonSyntaxProblem(json, err as Error)} — fix the file or restore it`);
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (version !== undefined && version !== SESSION_VERSION) {
    throw new ConfigError(`${where}: session version ${JSON.stringify(version)} is not supported (this baskets reads version ${SESSION_VERSION})`);
  }
  const result = Session.safeParse(raw);
  if (!result.success) throw new ProblemsError(`${where} does not hold a valid session: fix these, or restore the file`, formatSchemaIssues(result.error));
  return result.data;
}

/** Sessions live in folders under one root (default ./sessions, configurable in settings). */
export class SessionStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  dir(name: string): string {
    return join(this.root, sanitizeSessionName(name));
  }

  exists(name: string): boolean {
    return existsSync(sessionPaths(this.dir(name)).sessionFile);
  }

  list(): SessionSummary[] {
    if (!existsSync(this.root)) return [];
    const out: SessionSummary[] = [];
    for (const entry of readdirSync(this.root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = join(this.root, entry.name);
      const paths = sessionPaths(dir);
      if (!existsSync(paths.sessionFile)) continue;
      const lastActivity = latestMtime([paths.sessionFile, paths.events]);
      try {
        const session = this.load(entry.name);
        out.push({ name: entry.name, status: lastRunStatus(dir), lastActivity, description: session.description });
      } catch (err) {
        out.push({ name: entry.name, status: 'invalid', lastActivity, description: '', error: (err as Error).message });
      }
    }
    return out.sort((a, b) => (b.lastActivity ?? 0) - (a.lastActivity ?? 0));
  }

  load(name: string): Session {
    const file = sessionPaths(this.dir(name)).sessionFile;
    if (!existsSync(file)) {
      throw new ConfigError(`no session "${name}" in ${this.root}: run \`baskets\` to create one, or check the sessions folder in settings`);
    }
    if (!statSync(file).isFile()) throw new ConfigError(`${file} is not a file: move it aside and restore the session file, or create the session again`);
    // The folder is the session's identity: a copied folder (`cp -r a b`) still says "a" inside,
    // and trusting that would make every save write back into the original.
    return { ...parseSession(readFileSync(file, 'utf8'), file), name: sanitizeSessionName(name) };
  }

  save(session: Session): void {
    const name = sanitizeSessionName(session.name);
    const checked = Session.safeParse(session);
    if (!checked.success) throw new ProblemsError(`session "${name}" is not valid`, formatSchemaIssues(checked.error));
    writeJsonAtomic(sessionPaths(this.dir(name)).sessionFile, checked.data);
  }

  create(input: SessionInput): Session {
    const name = sanitizeSessionName(input.name);
    if (this.exists(name)) throw new ConfigError(`session "${name}" already exists: choose another name or delete it first`);
    const parsed = Session.safeParse({ ...input, name });
    if (!parsed.success) throw new ProblemsError(`new session "${name}" is not valid`, formatSchemaIssues(parsed.error));
    mkdirSync(this.dir(name), { recursive: true });
    this.save(parsed.data);
    return parsed.data;
  }

  /** Copies the study definition and its human data split, not its runs or results. */
  duplicate(from: string, to: string): Session {
    const source = this.load(from);
    const copy = this.create({ ...source, name: to, createdAt: new Date().toISOString() });
    const src = sessionPaths(this.dir(from));
    const dst = sessionPaths(this.dir(to));
    for (const file of [src.humanTrain, src.humanTest, src.split]) {
      if (existsSync(file)) cpSync(file, file.replace(src.dir, dst.dir));
    }
    return copy;
  }

  remove(name: string): void {
    const dir = this.dir(name);
    if (!existsSync(dir)) throw new ConfigError(`no session "${name}" to delete`);
    // Deleting under a live runner loses its work half-way and leaves a broken folder.
    const lock = readRunnerLock(dir);
    if (lock?.alive) throw new ConfigError(`session "${name}" is running (runner pid ${lock.pid}): cancel it first (c in its run notebook, or \`${basketsCommand(`cancel ${name}`, this.root)}\`), then delete it`);
    rmSync(dir, { recursive: true, force: true });
  }
}

function latestMtime(files: string[]): number | null {
  let latest: number | null = null;
  for (const file of files) {
    if (!existsSync(file)) continue;
    const m = statSync(file).mtimeMs;
    if (latest === null || m > latest) latest = m;
  }
  return latest;
}
