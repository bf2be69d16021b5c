import { createContext, useContext } from 'react';
import type { BuiltinBaseInfo } from '../engines/builtin/index.js';
import type { WorkerReady } from '../engines/hf/index.js';
import type { ServerProbe } from '../engines/openai/index.js';
import type { RunEvent } from '../domain/events.js';
import type { FollowOptions } from '../pipeline/follow.js';
import type { ModelEntry, Session, StepId } from '../domain/session.js';
import type { SessionStore } from '../pipeline/store.js';
import type { Settings } from '../settings.js';

/**
 * What screens may touch: the session store, the run-control API, settings, and navigation.
 * Screens never call engines; they go through these, so tests can hand in fakes for process
 * control and keep the real store on a temp folder.
 */

export interface Services {
  store: SessionStore;
  loadSettings(): Settings;
  saveSettings(patch: Partial<Settings>): Settings;
  startRun(sessionsDir: string, name: string, opts?: { steps?: StepId[]; retryErrors?: boolean }): Promise<{ pid: number }>;
  requestCancel(sessionDir: string): boolean;
  readRunnerLock(sessionDir: string): { pid: number; startedAt: number; alive: boolean } | null;
  followEvents(file: string, onEvents: (events: RunEvent[]) => void, opts?: FollowOptions): { close(): void };
  /** Follow a training run started outside baskets (an output dir, log or trainer_state.json). */
  followTraining(target: string, onEvents: (events: RunEvent[]) => void): { close(): void };
  builtinBases(): BuiltinBaseInfo[];
  /** List an OpenAI-compatible server's models and probe what each can do, or only `models` (cached per server; `refresh` probes again). */
  probeServer(baseUrl: string, opts: { apiKeyEnv?: string; refresh?: boolean; models?: string[]; signal?: AbortSignal }): Promise<ServerProbe>;
  /** The cached probe of a server, or null if it was never probed. */
  readCachedProbe(baseUrl: string): ServerProbe | null;
  /** Load an hf model in a worker to see what it can do, then let it go. */
  probeHfModel(entry: ModelEntry): Promise<WorkerReady>;
  /**
   * What a run of every step would trip over, one line each: the session's references, its
   * harmful-prompt file, and what its models cannot do (servers probed, cached per server).
   */
  capabilityProblems(session: Session): Promise<string[]>;
  /** The wall clock of elapsed times and ETAs (tests fix it). */
  now(): number;
}

export type Route =
  /** `selected`: the session the cursor was on, kept in the route so coming back lands on it. */
  | { screen: 'home'; selected?: string }
  | { screen: 'data' }
  | { screen: 'models' }
  | { screen: 'conditions' }
  | { screen: 'evaluation' }
  | { screen: 'run'; session: string }
  | { screen: 'results'; session: string }
  | { screen: 'compare'; sessions: string[] }
  | { screen: 'settings' }
  /** `from`: the screen help was opened on; it starts at that screen's keys. */
  | { screen: 'help'; from?: string }
  | { screen: 'train-watch'; target: string };

export type ScreenId = Route['screen'];

/** A session being written by the wizard: new, or an existing one being edited. */
export interface Draft {
  session: Session;
  isNew: boolean;
}

export interface Notice {
  text: string;
  level: 'info' | 'error';
}

export interface AppApi {
  services: Services;
  size: { columns: number; rows: number };
  navigate(route: Route): void;
  /** Replace the current route (wizard cells move sideways, not deeper). */
  replace(route: Route): void;
  back(): void;
  confirm(message: string, onYes: () => void): void;
  notify(text: string, level?: Notice['level']): void;
  draft: Draft | null;
  setDraft(next: Draft | null): void;
  settings: Settings;
  /** Saves through the settings service and re-themes the UI. */
  updateSettings(patch: Partial<Settings>): void;
  /** The folder this TUI was started on (a changed setting applies at the next start). */
  sessionsDir: string;
  /** Screen state kept while the screen is closed (see useRemembered): back from help, it is as it was left. */
  memory: Map<string, unknown>;
}

export const AppContext = createContext<AppApi | null>(null);

export function useApp(): AppApi {
  const api = useContext(AppContext);
  if (!api) throw new Error('useApp outside <App>');
  return api;
}
