import Conf from 'conf';
import { resolve } from 'node:path';

/**
 * User settings (sessions folder, theme, endpoints), kept by `conf` in the user's config dir
 * with file mode 0600. Endpoints name the environment variable of their API key, never the key.
 * BASKETS_CONFIG_DIR moves the file (tests, several setups side by side).
 */

export interface Endpoint {
  name: string;
  baseUrl: string;
  apiKeyEnv?: string;
}

export interface Settings {
  sessionsDir: string;
  theme: 'auto' | 'dark' | 'light' | 'mono';
  endpoints: Endpoint[];
}

const DEFAULTS: Settings = { sessionsDir: './sessions', theme: 'auto', endpoints: [] };

function store(): Conf<Settings> {
  return new Conf<Settings>({
    projectName: 'baskets',
    projectSuffix: '',
    cwd: process.env.BASKETS_CONFIG_DIR,
    configFileMode: 0o600,
    defaults: DEFAULTS,
    schema: {
      sessionsDir: { type: 'string', minLength: 1 },
      theme: { type: 'string', enum: ['auto', 'dark', 'light', 'mono'] },
      endpoints: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string', minLength: 1 },
            baseUrl: { type: 'string', minLength: 1 },
            apiKeyEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
          },
          required: ['name', 'baseUrl'],
          additionalProperties: false,
        },
      },
    },
  });
}

export function loadSettings(): Settings {
  const s = store().store;
  return { ...DEFAULTS, ...s };
}

export function saveSettings(patch: Partial<Settings>): Settings {
  const conf = store();
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) conf.set(key as keyof Settings, value as never);
  }
  return loadSettings();
}

export function settingsPath(): string {
  return store().path;
}

/** The sessions folder: --sessions flag, then BASKETS_SESSIONS_DIR, then settings. */
export function resolveSessionsDir(flag?: string): string {
  return resolve(flag ?? process.env.BASKETS_SESSIONS_DIR ?? loadSettings().sessionsDir);
}
