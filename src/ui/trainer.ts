import { TrainerConfig, type ModelEntry } from '../domain/session.js';
import { OverlongPolicy } from '../domain/training-data.js';
import { numberRow, type FormRow } from './form.js';

/**
 * The trainer part of the Models form: which trainer fine-tunes a target and its settings,
 * starting from the schema's defaults. Every kind's settings are kept while the user cycles
 * between kinds, so switching back loses nothing.
 */

type BuiltinTrainer = Extract<TrainerConfig, { kind: 'builtin' }>;
type HfTrainer = Extract<TrainerConfig, { kind: 'hf' }>;
type OpenAIFtTrainer = Extract<TrainerConfig, { kind: 'openai-ft' }>;
export type TrainerChoice = TrainerConfig['kind'] | 'none';

export interface TrainerDraft {
  kind: TrainerChoice;
  builtin: BuiltinTrainer;
  hf: HfTrainer;
  'openai-ft': OpenAIFtTrainer;
}

export const NO_TRAINER = 'no trainer: the train step will refuse this target';

/** The schema's defaults for every kind; base models start empty (the user names them). */
export function newTrainerDraft(): TrainerDraft {
  return {
    kind: 'builtin',
    builtin: TrainerConfig.parse({ kind: 'builtin' }) as BuiltinTrainer,
    hf: { ...(TrainerConfig.parse({ kind: 'hf', baseModel: '-' }) as HfTrainer), baseModel: '' },
    'openai-ft': { kind: 'openai-ft', baseModel: '' },
  };
}

/** Builtin models train in process; an hf model with the hf trainer; a model served over HTTP needs hf or openai-ft, or has none. */
function choicesFor(engine: ModelEntry['engine']['engine']): readonly TrainerChoice[] {
  switch (engine) {
    case 'builtin':
      return ['builtin'];
    case 'hf':
      return ['hf', 'none'];
    case 'openai':
      return ['none', 'hf', 'openai-ft'];
  }
}

/** The kind in effect for this engine (a builtin choice means "none" once the engine is openai). */
export function trainerChoice(draft: TrainerDraft, engine: ModelEntry['engine']['engine']): TrainerChoice {
  const choices = choicesFor(engine);
  return choices.includes(draft.kind) ? draft.kind : choices[0];
}

/**
 * What goes into the model entry: nothing for "none"; the schema validates the rest. A base
 * model left empty is the model the entry runs (the hf engine loads the adapter onto it).
 */
export function trainerOf(draft: TrainerDraft, engine: ModelEntry['engine']['engine'], servedModel = ''): TrainerConfig | undefined {
  const kind = trainerChoice(draft, engine);
  if (kind === 'none') return undefined;
  const trainer = draft[kind];
  return 'baseModel' in trainer && !trainer.baseModel && servedModel ? { ...trainer, baseModel: servedModel } : trainer;
}

/** Why a model in the session cannot be trained, or null. */
export function trainerWarning(model: ModelEntry): string | null {
  return model.roles.includes('target') && !model.trainer && model.engine.engine !== 'builtin' ? NO_TRAINER : null;
}

const NOTES: Record<TrainerChoice, string> = {
  none: NO_TRAINER,
  builtin: 'continued training in process',
  hf: 'transformers + PEFT LoRA through `accelerate launch`',
  'openai-ft': 'a hosted fine-tuning job',
};

const OVERLONG_NOTES: Record<HfTrainer['overlong'], string> = {
  'truncate-prompt': "cut the prompt's end, learn the whole response",
  'truncate-response': "cut the response's end",
  drop: 'leave them out (counted)',
};

const positive = (n: number) => n > 0;
const positiveInt = (n: number) => Number.isInteger(n) && n > 0;
const optional = (v: string) => v.trim() || undefined;

/**
 * The trainer rows for a target model. `servedModel` (the model name on the server) prefills
 * an empty base model when hf or openai-ft is chosen: vLLM serves models under their HF id.
 */
export function trainerRows(draft: TrainerDraft, set: (d: TrainerDraft) => void, engine: ModelEntry['engine']['engine'], servedModel: string): FormRow[] {
  const kind = trainerChoice(draft, engine);
  const put = <K extends TrainerConfig['kind']>(k: K, patch: Partial<TrainerDraft[K]>) => set({ ...draft, [k]: { ...draft[k], ...patch } });
  const rows: FormRow[] = [
    {
      kind: 'choice', id: 'trainer', label: 'trainer', value: kind, options: choicesFor(engine), note: NOTES[kind], tone: kind === 'none' ? 'warn' : 'muted',
      apply: (v) => {
        const next = v as TrainerChoice;
        if ((next === 'hf' || next === 'openai-ft') && !draft[next].baseModel) set({ ...draft, kind: next, [next]: { ...draft[next], baseModel: servedModel } });
        else set({ ...draft, kind: next });
        return null;
      },
    },
  ];
  switch (kind) {
    case 'builtin': {
      const t = draft.builtin;
      rows.push(
        numberRow('trainer-epochs', 'epochs', t.epochs, positiveInt, 'a whole number, 1 or more', (n) => put('builtin', { epochs: n })),
        numberRow('trainer-lr', 'learning rate', t.learningRate, (n) => n > 0 && n <= 1, 'a number above 0, at most 1', (n) => put('builtin', { learningRate: n }), 'weight of the fine-tuning counts'),
        numberRow('trainer-batch', 'batch size', t.batchSize, positiveInt, 'a whole number, 1 or more', (n) => put('builtin', { batchSize: n })),
      );
      break;
    }
    case 'hf': {
      const t = draft.hf;
      rows.push(
        { kind: 'text', id: 'trainer-base', label: 'base model', value: t.baseModel, note: 'HF model id or local path', tone: t.baseModel ? 'muted' : 'error', apply: (v) => (put('hf', { baseModel: v.trim() }), null) },
        numberRow('trainer-lora-r', 'LoRA r', t.lora.r, positiveInt, 'a whole number, 1 or more', (n) => put('hf', { lora: { ...t.lora, r: n } })),
        numberRow('trainer-lora-alpha', 'LoRA alpha', t.lora.alpha, positive, 'a number above 0', (n) => put('hf', { lora: { ...t.lora, alpha: n } })),
        numberRow('trainer-epochs', 'epochs', t.epochs, positive, 'a number above 0', (n) => put('hf', { epochs: n })),
        numberRow('trainer-lr', 'learning rate', t.learningRate, positive, 'a number above 0, e.g. 2e-4', (n) => put('hf', { learningRate: n })),
        numberRow('trainer-batch', 'batch size', t.batchSize, positiveInt, 'a whole number, 1 or more', (n) => put('hf', { batchSize: n }), 'per device'),
        numberRow('trainer-max-length', 'max length', t.maxLength, positiveInt, 'a whole number of tokens, 1 or more', (n) => put('hf', { maxLength: n }), 'tokens of prompt and response'),
        {
          kind: 'choice', id: 'trainer-overlong', label: 'longer examples', value: t.overlong, options: OverlongPolicy.options, note: OVERLONG_NOTES[t.overlong], tone: 'muted',
          apply: (v) => (put('hf', { overlong: v as HfTrainer['overlong'] }), null),
        },
        {
          kind: 'text', id: 'trainer-processes', label: 'processes', value: t.processes === undefined ? '' : String(t.processes),
          note: "one per GPU (CPU processes without one); empty: accelerate's config decides",
          apply: (v) => {
            if (!v.trim()) return put('hf', { processes: undefined }), null;
            const n = Number(v.trim());
            return positiveInt(n) ? (put('hf', { processes: n }), null) : 'processes: a whole number, 1 or more, or empty';
          },
        },
        { kind: 'toggle', id: 'trainer-4bit', label: 'load in 4-bit', on: t.load4bit, note: 'QLoRA: needs bitsandbytes', apply: (on) => (put('hf', { load4bit: on }), null) },
        { kind: 'text', id: 'trainer-accelerate', label: 'accelerate config', value: t.accelerateConfig ?? '', note: "path; empty: accelerate's default", apply: (v) => (put('hf', { accelerateConfig: optional(v) }), null) },
        {
          kind: 'text', id: 'trainer-serve', label: 'vLLM serve URL', value: t.serveBaseUrl ?? '', note: 'loads the adapter at runtime; empty: the serve command is shown',
          apply: (v) => (URL.canParse(v.trim()) || !v.trim() ? (put('hf', { serveBaseUrl: optional(v) }), null) : 'vLLM serve URL: a URL such as http://127.0.0.1:8000/v1, or empty'),
        },
      );
      break;
    }
    case 'openai-ft': {
      const t = draft['openai-ft'];
      rows.push(
        { kind: 'text', id: 'trainer-base', label: 'base model', value: t.baseModel, note: 'the model the service fine-tunes', tone: t.baseModel ? 'muted' : 'error', apply: (v) => (put('openai-ft', { baseModel: v.trim() }), null) },
        { kind: 'text', id: 'trainer-key', label: 'trainer API key env', value: t.apiKeyEnv ?? '', note: 'the variable name, never the key; empty: OPENAI_API_KEY', apply: (v) => (put('openai-ft', { apiKeyEnv: optional(v) }), null) },
      );
      break;
    }
  }
  return rows;
}
