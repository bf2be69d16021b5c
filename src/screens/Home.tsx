import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { ScreenFrame } from '../components/ScreenFrame.js';
import { Table } from '../components/Table.js';
import { TextInput } from '../components/TextInput.js';
import type { SessionSummary } from '../pipeline/store.js';
import { sanitizeSessionName } from '../pipeline/store.js';
import { useApp, type Route } from '../ui/context.js';
import { newDraft } from '../ui/draft.js';
import { ago } from '../ui/format.js';
import { useScreenKeys } from '../ui/input.js';
import { HOME_KEYS, type ActionOf } from '../ui/keymaps.js';
import { useTheme } from '../ui/theme.js';
import { windowAround } from '../ui/viewport.js';

const REFRESH_MS = 2000;
/** Title, margins, table header, prompt, key bar and notice. */
const CHROME_ROWS = 9;

type Prompt = { kind: 'new'; value: string } | { kind: 'duplicate'; from: string; value: string };

/** The sessions list: status and last activity of each study, and the ways into one. */
export function Home({ selected: initial }: { selected?: string }) {
  const app = useApp();
  const theme = useTheme();
  const { store } = app.services;
  const [sessions, setSessions] = useState<SessionSummary[]>(() => store.list());
  // The cursor is on a session, not a row: the list re-sorts by activity while a run writes.
  const [selectedName, setSelectedName] = useState<string | undefined>(initial);
  const [prompt, setPrompt] = useState<Prompt | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const selected = Math.max(0, sessions.findIndex((s) => s.name === selectedName));
  const current = sessions[selected] as SessionSummary | undefined;
  const setSelected = (index: number) => setSelectedName(sessions[index]?.name);
  /** Go deeper, remembering where the cursor was for the way back. */
  const open = (route: Route) => {
    app.replace({ screen: 'home', selected: current?.name });
    app.navigate(route);
  };

  const refresh = () => {
    setSessions(store.list());
    setNow(Date.now());
  };
  useEffect(() => {
    const timer = setInterval(refresh, REFRESH_MS);
    return () => clearInterval(timer);
  });

  const attempt = (what: () => void) => {
    try {
      what();
    } catch (err) {
      app.notify((err as Error).message, 'error');
    }
  };

  const submit = (p: Prompt) => {
    setPrompt(null);
    attempt(() => {
      const name = sanitizeSessionName(p.value);
      if (p.kind === 'new') {
        if (store.exists(name)) throw new Error(`session "${name}" already exists: choose another name`);
        app.setDraft(newDraft(name));
        open({ screen: 'data' });
      } else {
        store.duplicate(p.from, name);
        refresh();
        setSelectedName(name);
        app.notify(`duplicated ${p.from} as ${name}`);
      }
    });
  };

  const onAction = (action: ActionOf<typeof HOME_KEYS>) => {
    switch (action) {
      case 'up':
        setSelected(Math.max(0, selected - 1));
        return;
      case 'down':
        setSelected(Math.min(sessions.length - 1, selected + 1));
        return;
      case 'new':
        setPrompt({ kind: 'new', value: '' });
        return;
      case 'settings':
        open({ screen: 'settings' });
        return;
    }
    if (!current) return app.notify('no sessions yet: press n to create one', 'error');
    switch (action) {
      case 'open':
        open({ screen: 'run', session: current.name });
        return;
      case 'results':
        open({ screen: 'results', session: current.name });
        return;
      case 'compare':
        open({ screen: 'compare', sessions: [current.name] });
        return;
      case 'edit':
        attempt(() => {
          app.setDraft({ session: store.load(current.name), isNew: false });
          open({ screen: 'data' });
          if (current.status === 'running') app.notify(`${current.name} is running: what you save applies to its next run, not this one`);
        });
        return;
      case 'duplicate':
        setPrompt({ kind: 'duplicate', from: current.name, value: `${current.name}-copy` });
        return;
      case 'delete':
        if (current.status === 'running') return app.notify(`${current.name} is running: cancel it first (open it, then c), then delete it`, 'error');
        app.confirm(`Delete session "${current.name}" with all its data, runs and results?`, () =>
          attempt(() => {
            store.remove(current.name);
            refresh();
            app.notify(`deleted ${current.name}`);
          }),
        );
        return;
    }
  };

  useScreenKeys(
    HOME_KEYS,
    onAction,
    prompt && {
      value: prompt.value,
      onChange: (value) => setPrompt({ ...prompt, value }),
      onSubmit: () => submit(prompt),
      onCancel: () => setPrompt(null),
    },
  );

  const width = app.size.columns - 2;
  const { start, end } = windowAround(sessions.length, selected, app.size.rows - CHROME_ROWS);
  const rows = sessions.slice(start, end).map((s, offset) => [
    `${start + offset === selected ? theme.glyph.pointer : ' '} ${s.name}`,
    s.status,
    ago(s.lastActivity, now),
    s.status === 'invalid' ? (s.error ?? '') : s.description,
  ]);
  return (
    <ScreenFrame title="Sessions" subtitle={app.sessionsDir} bindings={HOME_KEYS} editing={prompt !== null}>
      {sessions.length ? (
        <Table columns={['  session', 'status', 'last activity', 'description']} rows={rows} width={width} />
      ) : (
        <Text color={theme.color.muted}>No sessions in this folder yet. Press n to start one.</Text>
      )}
      {prompt ? (
        <Box marginTop={1}>
          <Text color={theme.color.accent}>{prompt.kind === 'new' ? 'Name of the new session: ' : `Duplicate ${prompt.from} as: `}</Text>
          <TextInput value={prompt.value} placeholder="letters, digits, . _ -" />
        </Box>
      ) : null}
    </ScreenFrame>
  );
}
