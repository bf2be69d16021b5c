/**
 * Writing the settings, through `conf` (mode 0600, atomic writes). Loaded by the TUI alone:
 * conf hooks the process's signals as it loads (settings.ts reads without it).
 */
import Conf from 'conf';
import { loadSettings, settingsPath, SettingsSchema, type Settings } from './settings.js';

function store(): Conf<Partial<Settings>> {
  return new Conf<Partial<Settings>>({
    projectName: 'baskets',
    projectSuffix: '',
    cwd: process.env.BASKETS_CONFIG_DIR,
    configFileMode: 0o600,
    // The file is checked in settings.ts, key by key, with what is wrong and where: conf gets no
    // schema or defaults (with them it refuses the whole file, or rewrites it, as it opens), and
    // a file it cannot parse reads as empty to it, which only a save after a successful check can follow.
    clearInvalidConfig: true,
  });
}

/** Settings are changed only in a file that reads well; the keys not in `patch` stay as they are. */
export function saveSettings(patch: Partial<Settings>): Settings {
  loadSettings();
  const checked = SettingsSchema.partial().parse(patch);
  const conf = store();
  if (conf.path !== settingsPath()) throw new Error(`conf keeps the settings at ${conf.path}, not at ${settingsPath()} where they are read: report this`);
  for (const [key, value] of Object.entries(checked)) {
    if (value !== undefined) conf.set(key as keyof Settings, value as never);
  }
  return loadSettings();
}
