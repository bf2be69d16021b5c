import envPaths from 'env-paths';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ProblemsError } from './domain/errors.js';
import { jsonSyntaxProblem } from './util/json-syntax.js';

/**
 * User settings (sessions folder, theme, endpoints), kept in the user's config dir with file mode
 * 0600. Endpoints name the environment variable of their API key, never the key.
 * BASKETS_CONFIG_DIR moves the file (tests, several setups side by side). They are read here and
 * written by `conf` (settings-store.ts), which only the TUI loads: conf hooks the process's
 * signals as it loads, and `baskets serve` or a headless run answers SIGTERM itself.
 */

const Endpoint = z.strictObject({
  name: z.string().min(1),
  baseUrl: z.string().min(1),
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable')
    .optional(),
});
export type Endpoint = z.infer<typeof Endpoint>;

export const SettingsSchema = z.object({
  sessionsDir: z.string().min(1),
  theme: z.enum(['auto', 'dark', 'light', 'mono']),
  endpoints: z.array(Endpoint),
  /** Threads for CPU-bound model work (the builtin engine's requests); all cores when left out. */
  workerThreads: z.number().int().min(1).max(1024).optional(),
});
export type Settings = z.infer<typeof SettingsSchema>;

const DEFAULTS: Settings = { sessionsDir: './sessions', theme: 'auto', endpoints: [] };

const FIX = 'fix it, or delete the file to go back to the defaults';

/** The settings file: where conf keeps it (settings-store.ts), found as conf finds it. */
export function settingsPath(): string {
  return resolve(process.env.BASKETS_CONFIG_DIR ?? envPaths('baskets', { suffix: '' }).config, 'config.json');
}

/** The settings file's values, unchecked; a file that is not a JSON object is refused, naming it. */
function readRaw(path: string): Record<string, unknown> {
  if (!existsSync(path)) return {};
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ProblemsError(`the settings file ${path} is not valid JSON: ${FIX}`, [jsonSyntaxProblem(text, err as Error)]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ProblemsError(`the settings file ${path} does not hold a JSON object: ${FIX}`, ['expected {"sessionsDir": …, "theme": …, "endpoints": […]}']);
  return raw as Record<string, unknown>;
}

/**
 * The settings named by `keys`, checked: a key the file leaves out takes its default, and a bad
 * value is refused with the file's path, the key, what is wrong and what to do. Only the keys
 * asked for are checked, so a command that needs none of a bad key's value still works.
 */
function readSettings<K extends keyof Settings>(keys: readonly K[]): Pick<Settings, K> {
  const path = settingsPath();
  const raw = readRaw(path);
  const out = {} as Pick<Settings, K>;
  const problems: string[] = [];
  for (const key of keys) {
    if (raw[key] === undefined) {
      out[key] = DEFAULTS[key];
      continue;
    }
    const checked = SettingsSchema.shape[key].safeParse(raw[key]);
    if (checked.success) out[key] = checked.data as Settings[K];
    else problems.push(...checked.error.issues.map((issue) => `${[key, ...issue.path].join('.')}: ${issue.message}`));
  }
  if (problems.length) throw new ProblemsError(`the settings file ${path} has ${problems.length === 1 ? 'a bad value' : 'bad values'}: ${FIX}`, problems);
  return out;
}

// Every key, those without a default (workerThreads) included, so a bad value is refused at start.
const ALL = Object.keys(SettingsSchema.shape) as (keyof Settings)[];

export function loadSettings(): Settings {
  return readSettings(ALL);
}

/** How many worker threads CPU-bound model work may use: the setting, else every core. */
export function workerThreadCount(): number {
  return readSettings(['workerThreads']).workerThreads ?? availableParallelism();
}

/** The sessions folder: --sessions flag, then BASKETS_SESSIONS_DIR, then settings. */
export function resolveSessionsDir(flag?: string): string {
  return resolve(flag ?? process.env.BASKETS_SESSIONS_DIR ?? readSettings(['sessionsDir']).sessionsDir);
}
