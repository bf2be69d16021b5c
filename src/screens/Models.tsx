import { Box, Text } from 'ink';
import { useState } from 'react';
import { FormView } from '../components/FormView.js';
import { layoutProbe, ProbePanel } from '../components/ProbePanel.js';
import { ScreenFrame } from '../components/ScreenFrame.js';
import { WIZARD_CHROME_ROWS, WizardCells } from '../components/WizardCells.js';
import { formatSchemaIssues, ModelEntry, Role, SizeTier } from '../pipeline/session.js';
import type { BuiltinBaseInfo } from '../engines/builtin/index.js';
import { useApp } from '../ui/context.js';
import { withModel, withoutModel } from '../ui/draft.js';
import { useForm, type FormRow } from '../ui/form.js';
import { useScreenKeys } from '../ui/input.js';
import { bindingLabel } from '../ui/keys.js';
import { MODELS_KEYS, type ActionOf } from '../ui/keymaps.js';
import { useServerProbe, type ProbeView } from '../ui/probe.js';
import { useTheme } from '../ui/theme.js';
import { newTrainerDraft, trainerOf, trainerRows, trainerWarning, type TrainerDraft } from '../ui/trainer.js';
import type { Endpoint } from '../settings.js';

/** Every non-empty combination of roles, for cycling with one key. */
const ROLE_SETS = ['source', 'target', 'judge', 'source+target', 'source+judge', 'target+judge', 'source+target+judge'] as const;
const CUSTOM_ENDPOINT = '(type a URL)';
const UNPICKED = '(pick one)';

interface ModelSpec {
  engine: 'builtin' | 'openai';
  base: string;
  endpoint: string;
  baseUrl: string;
  model: string;
  apiKeyEnv: string;
  id: string;
  family: string;
  size: SizeTier;
  roles: (typeof ROLE_SETS)[number];
  trainer: TrainerDraft;
}

function specFromBase(spec: ModelSpec, base: BuiltinBaseInfo | undefined): ModelSpec {
  return base ? { ...spec, base: base.id, id: base.id, family: base.family, size: base.size } : spec;
}

/** The session entry a spec describes, or the schema's complaint in one line. */
function toEntry(spec: ModelSpec): ModelEntry | string {
  const engine =
    spec.engine === 'builtin'
      ? { engine: 'builtin', base: spec.base }
      : { engine: 'openai', baseUrls: [spec.baseUrl], model: spec.model, ...(spec.apiKeyEnv ? { apiKeyEnv: spec.apiKeyEnv } : {}) };
  const roles = spec.roles.split('+').map((r) => Role.parse(r));
  const trainer = roles.includes('target') ? trainerOf(spec.trainer, spec.engine) : undefined;
  const parsed = ModelEntry.safeParse({ id: spec.id, family: spec.family, size: spec.size, roles, engine, ...(trainer ? { trainer } : {}) });
  return parsed.success ? parsed.data : formatSchemaIssues(parsed.error)[0];
}

function specRows(spec: ModelSpec, set: (s: ModelSpec) => void, bases: BuiltinBaseInfo[], endpoints: Endpoint[], probe: ProbeView): FormRow[] {
  const text = (id: keyof ModelSpec & string, label: string, note?: string): FormRow => ({ kind: 'text', id, label, value: String(spec[id]), note, apply: (v) => (set({ ...spec, [id]: v.trim() }), null) });
  const rows: FormRow[] = [
    { kind: 'choice', id: 'engine', label: 'engine', value: spec.engine, options: ['builtin', 'openai'], apply: (v) => (set({ ...spec, engine: v as ModelSpec['engine'] }), null) },
  ];
  if (spec.engine === 'builtin') {
    const base = bases.find((b) => b.id === spec.base);
    rows.push({
      kind: 'choice', id: 'base', label: 'base', value: spec.base, options: bases.map((b) => b.id),
      note: base ? base.description : 'no builtin bases available', tone: base ? 'muted' : 'error',
      apply: (v) => (set(specFromBase(spec, bases.find((b) => b.id === v))), null),
    });
  } else {
    const names = [...endpoints.map((e) => e.name), CUSTOM_ENDPOINT];
    rows.push({
      kind: 'choice', id: 'endpoint', label: 'endpoint', value: spec.endpoint, options: names, note: 'endpoints come from Settings',
      apply: (v) => {
        const e = endpoints.find((x) => x.name === v);
        set(e ? { ...spec, endpoint: v, baseUrl: e.baseUrl, apiKeyEnv: e.apiKeyEnv ?? '' } : { ...spec, endpoint: v });
        return null;
      },
    });
    rows.push(text('baseUrl', 'base URL', 'e.g. http://127.0.0.1:8000/v1'), text('model', 'model name', 'as the server names it'));
    if (probe.state === 'ready' && probe.probe.models.length) {
      // Server-provided names: FormView sanitises what it shows; the raw name is what the server answers to.
      const names = probe.probe.models.map((m) => m.model);
      rows.push({ kind: 'choice', id: 'served', label: 'served models', value: names.includes(spec.model) ? spec.model : UNPICKED, options: names, note: 'from the probe', apply: (v) => (set({ ...spec, model: v }), null) });
    }
    rows.push(text('apiKeyEnv', 'API key env var', 'the variable name, never the key'));
  }
  rows.push(
    text('id', 'id'),
    text('family', 'family'),
    { kind: 'choice', id: 'size', label: 'size tier', value: spec.size, options: SizeTier.options, apply: (v) => (set({ ...spec, size: v as SizeTier }), null) },
    { kind: 'choice', id: 'roles', label: 'roles', value: spec.roles, options: ROLE_SETS, apply: (v) => (set({ ...spec, roles: v as ModelSpec['roles'] }), null) },
  );
  if (spec.roles.includes('target')) rows.push(...trainerRows(spec.trainer, (trainer) => set({ ...spec, trainer }), spec.engine, spec.model));
  return rows;
}

/** Wizard cell 2: the models of the study, their engines and roles. */
export function Models() {
  const app = useApp();
  const theme = useTheme();
  const bases = app.services.builtinBases();
  const endpoints = app.settings.endpoints;
  const [spec, setSpec] = useState<ModelSpec>(() =>
    specFromBase(
      { engine: 'builtin', base: '', endpoint: CUSTOM_ENDPOINT, baseUrl: '', model: '', apiKeyEnv: '', id: '', family: '', size: 'small', roles: 'source+target', trainer: newTrainerDraft() },
      bases[0],
    ),
  );
  const probing = useServerProbe(app.services, spec.engine === 'openai' ? spec.baseUrl : '', spec.apiKeyEnv, spec.engine === 'openai' ? spec.model : '');
  const draft = app.draft;
  const models = draft?.session.models ?? [];
  const formRows = specRows(spec, setSpec, bases, endpoints, probing.view);
  const modelRows: FormRow[] = models.map((m) => {
    const warning = trainerWarning(m);
    const trainer = m.roles.includes('target') ? `, trainer ${m.trainer?.kind ?? (warning ? 'none' : 'builtin')}` : '';
    return {
      kind: 'item', id: `model-${m.id}`, label: m.id, note: warning ?? undefined, tone: 'warn',
      value: `${m.family} ${m.size} ${m.roles.join('+')} via ${m.engine.engine === 'builtin' ? `builtin ${m.engine.base}` : `${m.engine.model} @ ${m.engine.baseUrls[0]}`}${trainer}`,
    };
  });
  const rows = [...formRows, ...modelRows];
  const form = useForm(rows, (message) => app.notify(message, 'error'));

  const onAction = (action: ActionOf<typeof MODELS_KEYS>) => {
    if (form.act(action) || !draft) return;
    switch (action) {
      case 'add': {
        const entry = toEntry(spec);
        if (typeof entry === 'string') return app.notify(`cannot add the model: ${entry}`, 'error');
        try {
          app.setDraft(withModel(draft, entry));
          app.notify(`added ${entry.id}`);
        } catch (err) {
          app.notify((err as Error).message, 'error');
        }
        return;
      }
      case 'remove': {
        const model = models[form.selected - formRows.length];
        if (!model) return app.notify('select a model in the list to remove it', 'error');
        app.setDraft(withoutModel(draft, model.id));
        return;
      }
      case 'probe':
      case 'reprobe':
        if (spec.engine !== 'openai') return app.notify('probing is for OpenAI-compatible servers: set the engine to openai', 'error');
        return probing.probe(action === 'reprobe');
      case 'next':
        if (!models.some((m) => m.roles.includes('target'))) return app.notify('add at least one target model first', 'error');
        return app.replace({ screen: 'conditions' });
      case 'prev':
        return app.replace({ screen: 'data' });
    }
  };
  useScreenKeys(MODELS_KEYS, onAction, form.text);

  if (!draft) return <Text>No session is being edited.</Text>;
  const width = app.size.columns - 2;
  const label = (action: ActionOf<typeof MODELS_KEYS>) => bindingLabel(MODELS_KEYS.find((b) => b.action === action)!, theme.ascii);
  const body = app.size.rows - WIZARD_CHROME_ROWS - 1;
  // The probe takes at most half the cell (below its one-row margin); the form keeps the rest.
  const probe = spec.engine === 'openai' ? layoutProbe(probing.view, spec.model, Math.max(2, Math.floor((body - 1) / 2)), { probe: label('probe'), reprobe: label('reprobe') }, theme) : null;
  return (
    <ScreenFrame title={draft.isNew ? 'New session' : `Edit ${draft.session.name}`} bindings={MODELS_KEYS} editing={form.text !== null}>
      <WizardCells draft={draft} active="models" width={width}>
        <FormView rows={rows} selected={form.selected} editing={form.editing} width={width - 4} height={body - (probe ? probe.height + 1 : 0)} />
        {models.length === 0 ? <Text>No models yet: describe one above and press a.</Text> : null}
        {probe ? (
          <Box marginTop={1}>
            <ProbePanel layout={probe} width={width - 4} />
          </Box>
        ) : null}
      </WizardCells>
    </ScreenFrame>
  );
}
