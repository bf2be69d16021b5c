import { Box, render, Text, useApp as useInkApp, useInput, type Key } from 'ink';
import { useCallback, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { asciiText, truncateMiddle } from './charts/index.js';
import { ConfirmBox } from './components/ConfirmBox.js';
import { WidenBox } from './components/WidenBox.js';
import { Compare } from './screens/Compare.js';
import { Conditions } from './screens/Conditions.js';
import { Data } from './screens/Data.js';
import { Evaluation } from './screens/Evaluation.js';
import { Help } from './screens/Help.js';
import { Home } from './screens/Home.js';
import { Models } from './screens/Models.js';
import { Results } from './screens/Results.js';
import { Run } from './screens/Run.js';
import { SettingsScreen } from './screens/Settings.js';
import { TrainWatch } from './screens/TrainWatch.js';
import type { Settings } from './settings.js';
import { AppContext, type AppApi, type Draft, type Notice, type Route, type Services } from './ui/context.js';
import { KeyRegistryContext, type KeyRegistry } from './ui/input.js';
import { findBinding } from './ui/key-match.js';
import { CONFIRM_KEYS, GLOBAL_KEYS, TEXT_KEYS, type ActionOf } from './ui/keymaps.js';
import { defaultServices } from './ui/services.js';
import { editText, isCharacter, keystrokes } from './ui/text-edit.js';
import { noColorRequested, resolveTheme, ThemeContext } from './ui/theme.js';
import { useTerminalSize } from './ui/use-terminal-size.js';

export const MIN_COLUMNS = 60;
export const MIN_ROWS = 16;

export interface AppProps {
  sessionsDir: string;
  ascii?: boolean;
  initialSession?: string;
  initialScreen?: 'home' | 'run';
  /** Follow this training run (started outside baskets) instead of opening the sessions. */
  trainTarget?: string;
  /** Replaces parts of the real services (tests fake process control and settings). */
  services?: Partial<Services>;
  env?: NodeJS.ProcessEnv;
}

function initialRoutes(props: AppProps): Route[] {
  if (props.trainTarget) return [{ screen: 'train-watch', target: props.trainTarget }];
  const home: Route = { screen: 'home' };
  if (props.initialScreen === 'run' && props.initialSession) return [home, { screen: 'run', session: props.initialSession }];
  return [home];
}

function ScreenFor({ route }: { route: Route }): ReactNode {
  switch (route.screen) {
    case 'home':
      return <Home selected={route.selected} />;
    case 'data':
      return <Data />;
    case 'models':
      return <Models />;
    case 'conditions':
      return <Conditions />;
    case 'evaluation':
      return <Evaluation />;
    case 'run':
      return <Run session={route.session} />;
    case 'results':
      return <Results session={route.session} />;
    case 'compare':
      return <Compare sessions={route.sessions} />;
    case 'settings':
      return <SettingsScreen />;
    case 'help':
      return <Help from={route.from} />;
    case 'train-watch':
      return <TrainWatch target={route.target} />;
  }
}

/**
 * The root: providers, routing, and the single input owner. Every keystroke lands in the one
 * `useInput` below and is dispatched, in order, to an open confirmation, an open text field,
 * the mounted screen's key map, and finally the global keys.
 */
export function App(props: AppProps) {
  const { exit } = useInkApp();
  const services = useMemo(() => ({ ...defaultServices(props.sessionsDir), ...props.services }), [props.sessionsDir, props.services]);
  const terminal = useTerminalSize();
  const tooSmall = terminal.columns < MIN_COLUMNS || terminal.rows < MIN_ROWS;
  // Below the minimum the screen stays mounted, hidden and drawn at the minimum size, so a
  // window dragged too small and back keeps its state (a zoom, a comparison's sessions).
  const size = tooSmall ? { columns: Math.max(MIN_COLUMNS, terminal.columns), rows: Math.max(MIN_ROWS, terminal.rows) } : terminal;
  const [routes, setRoutes] = useState<Route[]>(() => initialRoutes(props));
  const [draft, setDraft] = useState<Draft | null>(null);
  const [confirmation, setConfirmation] = useState<{ message: string; onYes: () => void } | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [memory] = useState(() => new Map<string, unknown>());
  const [settings, setSettings] = useState<Settings>(() => services.loadSettings());
  const registry = useRef<KeyRegistry['current']>(null);
  const route = routes[routes.length - 1];

  const theme = useMemo(
    () => resolveTheme({ setting: settings.theme, noColor: noColorRequested(props.env ?? process.env), ascii: props.ascii ?? false }),
    [settings.theme, props.env, props.ascii],
  );

  const api: AppApi = {
    services,
    size,
    memory,
    navigate: (next) => {
      setNotice(null);
      setRoutes((rs) => [...rs, next]);
    },
    replace: (next) => {
      setNotice(null);
      setRoutes((rs) => [...rs.slice(0, -1), next]);
    },
    back: () => {
      setNotice(null);
      if (routes.length <= 1) exit();
      else setRoutes((rs) => rs.slice(0, -1));
    },
    confirm: (message, onYes) => setConfirmation({ message, onYes }),
    notify: (text, level = 'info') => setNotice({ text, level }),
    draft,
    setDraft,
    settings,
    updateSettings: (patch) => {
      try {
        setSettings(services.saveSettings(patch));
      } catch (err) {
        setNotice({ text: (err as Error).message, level: 'error' });
      }
    },
    sessionsDir: props.sessionsDir,
  };

  const runGlobal = (action: ActionOf<typeof GLOBAL_KEYS>) => {
    switch (action) {
      case 'help':
        if (route.screen !== 'help') api.navigate({ screen: 'help', from: route.screen });
        return;
      case 'back':
        api.back();
        return;
      case 'quit':
        exit();
        return;
    }
  };

  const onKey = (input: string, key: Key) => {
    // Nothing acts unseen while the screen is hidden: only Ctrl-C (leave) is read.
    if (tooSmall) {
      if (key.ctrl && input === 'c') exit();
      return;
    }
    if (confirmation) {
      const answer = findBinding(CONFIRM_KEYS, input, key)?.action;
      if (answer) setConfirmation(null);
      if (answer === 'yes') confirmation.onYes();
      return;
    }
    setNotice(null);
    const screen = registry.current;
    if (screen?.text) {
      const field = screen.text;
      const action = findBinding(TEXT_KEYS, input, key)?.action;
      if (action === 'accept') field.onSubmit(field.value);
      else if (action === 'cancel') field.onCancel();
      else if (action === 'clear') field.onChange('');
      else if (key.ctrl && input === 'c') exit();
      else field.onChange(editText(field.value, input, key));
      return;
    }
    const local = screen ? findBinding(screen.bindings, input, key) : undefined;
    if (local && screen) {
      screen.onAction(local.action);
      return;
    }
    const global = findBinding(GLOBAL_KEYS, input, key);
    if (global) runGlobal(global.action);
  };
  // Keys that arrive together (fast typing, a paste, tmux send-keys, ssh batching) must each see
  // the state the previous one left: handlers read this render's state, so keys are queued and
  // handled one per commit — a key, its state updates committed, then the next key.
  const pendingKeys = useRef<{ input: string; key: Key }[]>([]);
  const [, setKeyTick] = useState(0);
  useLayoutEffect(() => {
    const pending = pendingKeys.current;
    let next = pending.shift();
    if (!next) return;
    // An open text field takes a run of characters (a paste) in one edit.
    while (registry.current?.text && isCharacter(next.input, next.key) && pending[0] && isCharacter(pending[0].input, pending[0].key)) next = { input: next.input + pending.shift()!.input, key: next.key };
    onKey(next.input, next.key);
    // The next key on a later tick: chained synchronously, a long paste would hit React's nested-update limit.
    if (pending.length) setImmediate(() => setKeyTick((t) => t + 1));
  });
  useInput(
    useCallback((input: string, key: Key) => {
      // A run of keys in one string is a keystroke each (a text field still takes a paste in one edit).
      pendingKeys.current.push(...keystrokes(input, key));
      setKeyTick((t) => t + 1);
    }, []),
  );

  return (
    <ThemeContext.Provider value={theme}>
      <AppContext.Provider value={api}>
        <KeyRegistryContext.Provider value={registry}>
          {tooSmall ? <WidenBox columns={terminal.columns} rows={terminal.rows} minColumns={MIN_COLUMNS} minRows={MIN_ROWS} /> : null}
          <Box flexDirection="column" width={size.columns} display={tooSmall ? 'none' : 'flex'}>
            <ScreenFor route={route} />
            {/* One row, as every screen counts it (a wrapped notice pushed the title off the top); cut in the middle, so a path keeps its end. */}
            {notice ? (
              <Text color={notice.level === 'error' ? theme.color.error : theme.color.ok} wrap="truncate-end">
                {truncateMiddle(notice.text, size.columns, theme.ascii)}
              </Text>
            ) : null}
            {confirmation ? <ConfirmBox message={confirmation.message} /> : null}
          </Box>
        </KeyRegistryContext.Provider>
      </AppContext.Provider>
    </ThemeContext.Provider>
  );
}

/**
 * The terminal, writing only printable ASCII: --ascii promises plain characters, and messages,
 * labels and data carry dashes, arrows and names in any script. Each character keeps its cells.
 */
export function asciiStream(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === 'write') return (chunk: unknown, ...rest: never[]) => target.write(typeof chunk === 'string' ? asciiText(chunk) : (chunk as Uint8Array), ...rest);
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Starts the TUI and resolves when the user quits. Quitting never stops a run: runners are separate processes. */
export async function runTui(opts: { sessionsDir: string; ascii?: boolean; initialSession?: string; initialScreen?: 'home' | 'run'; trainTarget?: string }): Promise<void> {
  // incrementalRendering stays off: Ink 6.8's incremental writer moves up n−1 rows from below a
  // frame that ends in a newline (every non-fullscreen frame), so each repaint lands one row lower
  // and leaves the previous frame's first line behind (seen in tmux on every screen change).
  // Redraws are kept small instead by maxFps, batched events and throttled charts (bench/tui).
  const stdout = opts.ascii ? asciiStream(process.stdout) : process.stdout;
  const instance = render(<App {...opts} />, { stdout, maxFps: 20, incrementalRendering: false, patchConsole: false, exitOnCtrlC: false });
  await instance.waitUntilExit();
}
