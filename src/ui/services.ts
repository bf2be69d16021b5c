import { listBuiltinBases } from '../engines/builtin/index.js';
import { probeServer, readCachedProbe } from '../engines/openai/index.js';
import { followEvents, readRunnerLock, requestCancel, startDetachedRun } from '../pipeline/control.js';
import { SessionStore } from '../pipeline/store.js';
import { loadSettings, saveSettings } from '../settings.js';
import type { Services } from './context.js';

/** The real store, settings and run control behind the screens. */
export function defaultServices(sessionsDir: string): Services {
  return {
    store: new SessionStore(sessionsDir),
    loadSettings,
    saveSettings,
    startRun: startDetachedRun,
    requestCancel,
    readRunnerLock,
    followEvents,
    builtinBases: listBuiltinBases,
    probeServer,
    readCachedProbe,
  };
}
