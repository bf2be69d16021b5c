import { Box, Text } from 'ink';
import { useState } from 'react';
import { FormView } from '../components/FormView.js';
import { layoutProbe, ProbePanel } from '../components/ProbePanel.js';
import { ScreenFrame } from '../components/ScreenFrame.js';
import { WIZARD_CHROME_ROWS, WizardCells } from '../components/WizardCells.js';
import { formatSchemaIssues, GenerationParams, HfModelConfig, ModelEntry, OpenAIModelConfig, Role, SizeTier } from '../domain/session.js';
import type { BuiltinBaseInfo } from '../engines/builtin/index.js';
import { useApp } from '../ui/context.js';
import { leaveWizard, saveDraft, withModel, withoutModel } from '../ui/draft.js';
import { numberRow, parseNumber, useForm, type FormRow } from '../ui/form.js';
import { useScreenKeys } from '../ui/input.js';
import { bindingLabel } from '../ui/key-match.js';
import { MODELS_KEYS, type ActionOf } from '../ui/keymaps.js';
import { describeLoaded, useServerProbe, type ProbeView } from '../ui/probe.js';
import { useTheme } from '../ui/theme.js';
import { newTrainerDraft, trainerOf, trainerRows, trainerWarning, type TrainerDraft } from '../ui/trainer.js';
import type { Endpoint } from '../settings.js';

/** Every non-empty combination of roles, for cycling with one key. */
const ROLE_SETS = ['source', 'target', 'judge', 'source+target', 'source+judge', 'target+judge', 'source+target+judge'] as const;
const CUSTOM_ENDPOINT = '(type a URL)';
const UNPICKED = '(pick one)';

interface ModelSpec {
  engine: ModelEntry['engine']['engine'];
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
  generation: { temperature: number; topP: number; maxTokens: number; samples: number };
  /** Requests in flight per server (entries on one server share the smallest). */
  concurrency: number;
  /** More base URLs of the same model, comma-separated: replicas that share its work. */
  replicas: string;
  /** "prompt/completion" in USD per million tokens, or empty for no cost accounting. */
  pricing: string;
  /** The hf engine's worker: where and how the model runs. */
  hf: { device: string; dtype: HfEngine['dtype']; batchSize: number; python: string };
}

const DEFAULT_GENERATION = GenerationParams.parse({});
const DEFAULT_CONCURRENCY = OpenAIModelConfig.shape.concurrency.parse(undefined);
type HfEngine = Extract<ModelEntry['engine'], { engine: 'hf' }>;
const DEFAULT_HF = HfModelConfig.parse({ engine: 'hf', model: '-' });
const HF_DEVICES = ['auto', 'cpu', 'cuda', 'mps'] as const;
const HF_DTYPES = HfModelConfig.shape.dtype.removeDefault().options;

/** Comma-separated http(s) URLs, or null when one is not. */
function parseReplicas(text: string): string[] | null {
  const urls = text.split(',').map((u) => u.trim()).filter(Boolean);
  const ok = urls.every((u) => {
    try {
      return ['http:', 'https:'].includes(new URL(u).protocol);
    } catch {
      return false;
    }
  });
  return ok ? urls : null;
}

/** "0.15/0.6" → prices per million tokens; "" → none; null when malformed. */
function parsePricing(text: string): { prompt: number; completion: number } | undefined | null {
  if (!text.trim()) return undefined;
  const parts = text.split('/');
  if (parts.length !== 2) return null;
  const [prompt, completion] = parts.map((p) => parseNumber(p, (n) => n >= 0));
  return prompt === null || completion === null ? null : { prompt, completion };
}

function specFromBase(spec: ModelSpec, base: BuiltinBaseInfo | undefined): ModelSpec {
  return base ? { ...spec, base: base.id, id: base.id, family: base.family, size: base.size } : spec;
}

/** The session entry a spec describes, or the schema's complaint in one line. */
function engineOf(spec: ModelSpec): object {
  const pricing = parsePricing(spec.pricing);
  switch (spec.engine) {
    case 'builtin':
      return { engine: 'builtin', base: spec.base };
    case 'hf':
      return { engine: 'hf', model: spec.model, device: spec.hf.device, dtype: spec.hf.dtype, batchSize: spec.hf.batchSize, ...(spec.hf.python ? { python: spec.hf.python } : {}) };
    case 'openai':
      return {
        engine: 'openai',
        baseUrls: [spec.baseUrl, ...(parseReplicas(spec.replicas) ?? [])],
        model: spec.model,
        concurrency: spec.concurrency,
        ...(spec.apiKeyEnv ? { apiKeyEnv: spec.apiKeyEnv } : {}),
        ...(pricing ? { pricing } : {}),
      };
  }
}

function toEntry(spec: ModelSpec): ModelEntry | string {
  const engine = engineOf(spec);
  const roles = spec.roles.split('+').map((r) => Role.parse(r));
  const trainer = roles.includes('target') ? trainerOf(spec.trainer, spec.engine, spec.model) : undefined;
  const parsed = ModelEntry.safeParse({ id: spec.id, family: spec.family, size: spec.size, roles, engine, generation: spec.generation, ...(trainer ? { trainer } : {}) });
  return parsed.success ? parsed.data : formatSchemaIssues(parsed.error)[0];
}

function specRows(spec: ModelSpec, set: (s: ModelSpec) => void, bases: BuiltinBaseInfo[], endpoints: Endpoint[], probe: ProbeView): FormRow[] {
  const text = (id: keyof ModelSpec & string, label: string, note?: string): FormRow => ({ kind: 'text', id, label, value: String(spec[id]), note, apply: (v) => (set({ ...spec, [id]: v.trim() }), null) });
  const rows: FormRow[] = [
    { kind: 'choice', id: 'engine', label: 'engine', value: spec.engine, options: ['builtin', 'openai', 'hf'], note: ENGINE_NOTES[spec.engine], tone: 'muted', apply: (v) => (set({ ...spec, engine: v as ModelSpec['engine'] }), null) },
  ];
  if (spec.engine === 'builtin') {
    const base = bases.find((b) => b.id === spec.base);
    rows.push({
      kind: 'choice', id: 'base', label: 'base', value: spec.base, options: bases.map((b) => b.id),
      note: base ? base.description : 'no builtin bases available', tone: base ? 'muted' : 'error',
      apply: (v) => (set(specFromBase(spec, bases.find((b) => b.id === v))), null),
    });
  } else if (spec.engine === 'hf') {
    rows.push(
      {
        kind: 'text', id: 'model', label: 'model', value: spec.model, note: 'a local folder, or a hub id where the hub can be reached',
        apply: (v) => (set(withModelName(spec, v, bases)), null),
      },
      ...hfRows(spec, set),
    );
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
    rows.push(text('baseUrl', 'base URL', 'e.g. http://127.0.0.1:8000/v1'), {
      kind: 'text', id: 'model', label: 'model name', value: spec.model, note: 'as the server names it', apply: (v) => (set(withModelName(spec, v, bases)), null),
    });
    if (probe.state === 'ready' && probe.probe.models.length) {
      // Server-provided names: FormView sanitises what it shows; the raw name is what the server answers to.
      const names = probe.probe.models.map((m) => m.model);
      rows.push({ kind: 'choice', id: 'served', label: 'served models', value: names.includes(spec.model) ? spec.model : UNPICKED, options: names, note: 'from the probe', apply: (v) => (set(withModelName(spec, v, bases)), null) });
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
  rows.push(...generationRows(spec, set));
  if (spec.engine === 'openai') rows.push(...servingRows(spec, set));
  return rows;
}

const positiveInt = (n: number) => Number.isInteger(n) && n > 0;

/** The last part of a folder or hub id ("Qwen/Qwen2.5-0.5B" → "Qwen2.5-0.5B"). */
const lastPart = (model: string) => model.trim().replace(/[/\\]+$/, '').split(/[/\\]/).at(-1) ?? '';

/** A model id from a folder or hub id: its last part, in the characters ids allow. */
function idFromModel(model: string): string {
  return lastPart(model).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
}

/** A family guessed from a model's name: the letters its last part starts with ("Qwen2.5-7B-Instruct" → "qwen"); edit it where that is wrong. */
function familyFromModel(model: string): string {
  return /[A-Za-z]+/.exec(lastPart(model))?.[0].toLowerCase() ?? '';
}

/**
 * The spec with another model name. Its id and family follow the name unless they were typed:
 * left empty, from a builtin base, or derived from the name before, they are replaced — a
 * model picked after another never keeps the other's id and family.
 */
function withModelName(spec: ModelSpec, model: string, bases: BuiltinBaseInfo[]): ModelSpec {
  const idFollows = !spec.id || bases.some((b) => b.id === spec.id) || spec.id === idFromModel(spec.model);
  const familyFollows = !spec.family || bases.some((b) => b.family === spec.family) || spec.family === familyFromModel(spec.model);
  return { ...spec, model: model.trim(), id: idFollows ? idFromModel(model) : spec.id, family: familyFollows ? familyFromModel(model) : spec.family };
}

const ENGINE_NOTES: Record<ModelSpec['engine'], string> = {
  builtin: 'small in-process n-gram models: no GPU, no network',
  openai: 'an OpenAI-compatible server (vLLM, SGLang, llama.cpp, Ollama, OpenAI)',
  hf: 'a Hugging Face model in a Python worker (transformers; PEFT for trained adapters)',
};

/** Where and how an hf model runs in its worker. */
function hfRows(spec: ModelSpec, set: (s: ModelSpec) => void): FormRow[] {
  const put = (patch: Partial<ModelSpec['hf']>) => set({ ...spec, hf: { ...spec.hf, ...patch } });
  return [
    { kind: 'choice', id: 'hf-device', label: 'device', value: spec.hf.device, options: HF_DEVICES, note: 'auto: CUDA when present, else the CPU', apply: (v) => (put({ device: v }), null) },
    { kind: 'choice', id: 'hf-dtype', label: 'dtype', value: spec.hf.dtype, options: HF_DTYPES, note: 'auto: bfloat16 on CUDA, float32 elsewhere', apply: (v) => (put({ dtype: v as HfEngine['dtype'] }), null) },
    numberRow('hf-batch', 'batch size', spec.hf.batchSize, (n) => positiveInt(n) && n <= 1024, 'a whole number from 1 to 1024', (n) => put({ batchSize: n }), 'requests run together'),
    { kind: 'text', id: 'hf-python', label: 'python', value: spec.hf.python, note: 'the Python with transformers; empty: $BASKETS_PYTHON, else python3', apply: (v) => (put({ python: v.trim() }), null) },
  ];
}

/** How the model answers: sampling, answer length and samples per instruction. */
function generationRows(spec: ModelSpec, set: (s: ModelSpec) => void): FormRow[] {
  const g = spec.generation;
  const put = (patch: Partial<ModelSpec['generation']>) => set({ ...spec, generation: { ...g, ...patch } });
  return [
    numberRow('temperature', 'temperature', g.temperature, (n) => n >= 0 && n <= 5, 'a number from 0 to 5', (n) => put({ temperature: n })),
    numberRow('top-p', 'top-p', g.topP, (n) => n > 0 && n <= 1, 'a number above 0, at most 1', (n) => put({ topP: n })),
    numberRow('max-tokens', 'max tokens', g.maxTokens, positiveInt, 'a whole number, 1 or more', (n) => put({ maxTokens: n }), 'longer answers are cut and counted'),
    numberRow('samples', 'samples', g.samples, positiveInt, 'a whole number, 1 or more', (n) => put({ samples: n }), 'answers per instruction'),
  ];
}

/** How an OpenAI-compatible model is served: its load on the server, its replicas, its price. */
function servingRows(spec: ModelSpec, set: (s: ModelSpec) => void): FormRow[] {
  return [
    numberRow('concurrency', 'concurrency', spec.concurrency, (n) => positiveInt(n) && n <= 4096, 'a whole number from 1 to 4096', (n) => set({ ...spec, concurrency: n }), 'requests in flight per server; entries on one server share the smallest'),
    {
      kind: 'text', id: 'replicas', label: 'more replicas', value: spec.replicas, note: 'comma-separated base URLs of the same model; they share its work',
      apply: (v) => (parseReplicas(v) ? (set({ ...spec, replicas: parseReplicas(v)!.join(', ') }), null) : 'more replicas: comma-separated http(s) URLs, e.g. http://10.0.0.2:8000/v1'),
    },
    {
      kind: 'text', id: 'pricing', label: 'pricing', value: spec.pricing, note: 'USD per million tokens, prompt/completion, e.g. 0.15/0.6; empty: no cost',
      apply: (v) => (parsePricing(v) === null ? 'pricing: two numbers of 0 or more as prompt/completion, e.g. 0.15/0.6, or empty' : (set({ ...spec, pricing: v.trim() }), null)),
    },
  ];
}

const replicasNote = (n: number) => (n > 1 ? ` (+${n - 1} replica${n > 2 ? 's' : ''})` : '');

function whereRuns(engine: ModelEntry['engine']): string {
  switch (engine.engine) {
    case 'builtin':
      return `builtin ${engine.base}`;
    case 'openai':
      return `${engine.model} @ ${engine.baseUrls[0]}${replicasNote(engine.baseUrls.length)}`;
    case 'hf':
      return `hf ${engine.model} (${engine.device})`;
  }
}

/** Wizard cell 2: the models of the study, their engines and roles. */
export function Models() {
  const app = useApp();
  const theme = useTheme();
  const bases = app.services.builtinBases();
  const endpoints = app.settings.endpoints;
  const [spec, setSpec] = useState<ModelSpec>(() =>
    specFromBase(
      {
        engine: 'builtin', base: '', endpoint: CUSTOM_ENDPOINT, baseUrl: '', model: '', apiKeyEnv: '', id: '', family: '', size: 'small', roles: 'source+target', trainer: newTrainerDraft(),
        generation: { temperature: DEFAULT_GENERATION.temperature, topP: DEFAULT_GENERATION.topP, maxTokens: DEFAULT_GENERATION.maxTokens, samples: DEFAULT_GENERATION.samples },
        concurrency: DEFAULT_CONCURRENCY, replicas: '', pricing: '',
        hf: { device: DEFAULT_HF.device, dtype: DEFAULT_HF.dtype, batchSize: DEFAULT_HF.batchSize, python: '' },
      },
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
      value: `${m.family} ${m.size} ${m.roles.join('+')} via ${whereRuns(m.engine)}${trainer}`,
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
      case 'reprobe': {
        if (spec.engine === 'openai') return probing.probe(action === 'reprobe');
        if (spec.engine !== 'hf') return app.notify('probing is for models on a server or the hf engine: set the engine to openai or hf', 'error');
        const entry = toEntry(spec);
        if (typeof entry === 'string') return app.notify(`cannot probe the model: ${entry}`, 'error');
        app.notify(`loading ${entry.engine.engine === 'hf' ? entry.engine.model : entry.id} in a worker to see what it can do…`);
        app.services.probeHfModel(entry).then(
          (loaded) => app.notify(`${entry.id}: ${describeLoaded(loaded)}`),
          (err: Error) => app.notify(`cannot load ${entry.id}: ${err.message}`, 'error'),
        );
        return;
      }
      case 'next':
        if (!models.some((m) => m.roles.includes('target'))) return app.notify('add at least one target model first', 'error');
        return app.replace({ screen: 'conditions' });
      case 'prev':
        return app.replace({ screen: 'data' });
      case 'save':
        return saveDraft(app, draft);
      case 'leave':
        return leaveWizard(app);
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
