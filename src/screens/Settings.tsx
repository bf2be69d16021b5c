import { resolve } from 'node:path';
import { Text } from 'ink';
import { useState } from 'react';
import { FormView } from '../components/FormView.js';
import { Pane } from '../components/Pane.js';
import { ScreenFrame } from '../components/ScreenFrame.js';
import { useApp } from '../ui/context.js';
import { useForm, type FormRow } from '../ui/form.js';
import { useScreenKeys } from '../ui/input.js';
import { SETTINGS_KEYS, type ActionOf } from '../ui/keymaps.js';
import type { Endpoint, Settings } from '../settings.js';

const THEMES: readonly Settings['theme'][] = ['auto', 'dark', 'light', 'mono'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Title, margins, key bar, notice, the pane's border and title, and the hint under the form. */
const SETTINGS_CHROME_ROWS = 9;

/** Sessions folder, theme and the OpenAI-compatible endpoints the Models cell offers. */
export function SettingsScreen() {
  const app = useApp();
  const { settings } = app;
  const [endpoint, setEndpoint] = useState<Endpoint>({ name: '', baseUrl: '', apiKeyEnv: '' });
  const editRow = (id: 'name' | 'baseUrl' | 'apiKeyEnv', label: string, note: string): FormRow => ({
    kind: 'text', id: `new-${id}`, label, value: endpoint[id] ?? '', note, tone: 'muted',
    apply: (v) => (setEndpoint({ ...endpoint, [id]: v.trim() }), null),
  });
  const formRows: FormRow[] = [
    {
      kind: 'text', id: 'sessionsDir', label: 'sessions folder', value: settings.sessionsDir,
      // Settings keep the folder as typed (default "./sessions"); the app holds it resolved.
      note: resolve(settings.sessionsDir) === resolve(app.sessionsDir) ? undefined : `applies when restarted; until then this TUI uses ${app.sessionsDir}`,
      apply: (v) => (v.trim() ? (app.updateSettings({ sessionsDir: v.trim() }), null) : 'the sessions folder cannot be empty'),
    },
    { kind: 'choice', id: 'theme', label: 'theme', value: settings.theme, options: THEMES, note: 'NO_COLOR always wins', apply: (v) => (app.updateSettings({ theme: v as Settings['theme'] }), null) },
    editRow('name', 'endpoint name', 'e.g. vllm-local'),
    editRow('baseUrl', 'endpoint URL', 'e.g. http://127.0.0.1:8000/v1'),
    editRow('apiKeyEnv', 'API key env var', 'variable name only; keys never stored'),
  ];
  const endpointRows: FormRow[] = settings.endpoints.map((e) => ({ kind: 'item', id: `endpoint-${e.name}`, label: e.name, value: `${e.baseUrl}${e.apiKeyEnv ? ` (key from $${e.apiKeyEnv})` : ''}` }));
  const rows = [...formRows, ...endpointRows];
  const form = useForm(rows, (message) => app.notify(message, 'error'));

  const add = () => {
    if (!endpoint.name || !endpoint.baseUrl) return app.notify('an endpoint needs a name and a URL', 'error');
    if (!URL.canParse(endpoint.baseUrl)) return app.notify(`"${endpoint.baseUrl}" is not a URL`, 'error');
    if (endpoint.apiKeyEnv && !ENV_NAME.test(endpoint.apiKeyEnv)) return app.notify('the API key field takes an environment variable name, e.g. OPENAI_API_KEY', 'error');
    if (settings.endpoints.some((e) => e.name === endpoint.name)) return app.notify(`an endpoint "${endpoint.name}" exists already`, 'error');
    const added: Endpoint = { name: endpoint.name, baseUrl: endpoint.baseUrl, ...(endpoint.apiKeyEnv ? { apiKeyEnv: endpoint.apiKeyEnv } : {}) };
    app.updateSettings({ endpoints: [...settings.endpoints, added] });
    setEndpoint({ name: '', baseUrl: '', apiKeyEnv: '' });
  };

  const onAction = (action: ActionOf<typeof SETTINGS_KEYS>) => {
    if (form.act(action)) return;
    if (action === 'add') add();
    else if (action === 'remove') {
      const target = settings.endpoints[form.selected - formRows.length];
      if (!target) return app.notify('select an endpoint in the list to remove it', 'error');
      app.updateSettings({ endpoints: settings.endpoints.filter((e) => e.name !== target.name) });
    }
  };
  useScreenKeys(SETTINGS_KEYS, onAction, form.text);

  const width = app.size.columns - 2;
  return (
    <ScreenFrame title="Settings" bindings={SETTINGS_KEYS} editing={form.text !== null}>
      <Pane title="Settings" width={width}>
        <FormView rows={rows} selected={form.selected} editing={form.editing} width={width - 4} height={app.size.rows - SETTINGS_CHROME_ROWS} />
        {settings.endpoints.length === 0 ? <Text>No endpoints yet: fill in the three endpoint rows and press a.</Text> : null}
      </Pane>
    </ScreenFrame>
  );
}
