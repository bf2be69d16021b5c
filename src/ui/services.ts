import { listBuiltinBases } from '../engines/builtin/index.js';
import { probeHfModel } from '../engines/hf/index.js';
import { probeServer, readCachedProbe } from '../engines/openai/index.js';
import { preflightProblems } from '../pipeline/preflight.js';
import { followEvents, readRunnerLock, requestCancel, startDetachedRun } from '../pipeline/control.js';
import { STEP_IDS } from '../domain/session.js';
import { SessionStore } from '../pipeline/store.js';
import { watchTraining } from '../trainers/hf/follow.js';
import { loadSettings } from '../settings.js';
import { saveSettings } from '../settings-store.js';
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
    followTraining: (target, onEvents) => watchTraining(target, onEvents),
    builtinBases: listBuiltinBases,
    probeServer,
    readCachedProbe,
    probeHfModel: (entry) => probeHfModel(entry),
    capabilityProblems: (session) => preflightProblems(session, STEP_IDS),
    now: Date.now,
  };
}
