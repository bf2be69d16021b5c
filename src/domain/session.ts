import { z } from 'zod';
import { baseUrlProblem } from './base-url.js';
import { OverlongPolicy } from './training-data.js';
import { parseRowFilter } from './row-filter.js';
import { fileStem } from './file-stem.js';

/**
 * The session file: `sessions/<name>/session.json`, versioned and validated. Unknown keys are
 * rejected (strict objects) so a typo never silently does nothing. API keys never live here:
 * a model names the environment variable that holds its key.
 */

export const SESSION_VERSION = 1;

export const SizeTier = z.enum(['small', 'medium', 'large']);
export type SizeTier = z.infer<typeof SizeTier>;
export const Role = z.enum(['source', 'target', 'judge']);
export type Role = z.infer<typeof Role>;

/** Defaults are the paper's own sampling (its generation code: temperature 0.7, top_p 0.9, 1024 new tokens). */
export const GenerationParams = z.strictObject({
  temperature: z.number().min(0).max(5).default(0.7),
  topP: z.number().gt(0).max(1).default(0.9),
  maxTokens: z.number().int().positive().default(1024),
  /** Samples per instruction. */
  samples: z.number().int().positive().default(1),
  stop: z.array(z.string()).optional(),
});
export type GenerationParams = z.infer<typeof GenerationParams>;

/** An OpenAI-compatible base URL: http(s), no credentials, no query string. */
const baseUrl = z.string().superRefine((url, ctx) => {
  const problem = baseUrlProblem(url);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const modelId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'use letters, digits, ".", "_" or "-" (max 64)');

export const BuiltinModelConfig = z.strictObject({
  engine: z.literal('builtin'),
  /** The builtin base model, e.g. "founders-small" (see `baskets models builtin`). */
  base: z.string(),
});

export const OpenAIModelConfig = z.strictObject({
  engine: z.literal('openai'),
  /** One or more replicas of the same model; they share its work. */
  baseUrls: z.array(baseUrl).min(1),
  /** The model name the server knows. */
  model: z.string().min(1),
  /** Name of the environment variable that holds the API key (never the key itself). */
  apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
  /** Requests in flight per server: entries on the same base URL share one limit, the smallest configured wins. */
  concurrency: z.number().int().positive().max(4096).default(16),
  /** Retries after a retryable failure (429, 5xx, reset, malformed body, stall); 5 when unset. */
  maxRetries: z.number().int().min(0).max(100).optional(),
  /** Seconds an attempt may take in all before it fails and is retried; 600 when unset. */
  timeoutS: z.number().positive().max(86_400).optional(),
  /** Seconds to a streamed answer's first token (a loaded server queues first); 120 when unset. */
  firstTokenTimeoutS: z.number().positive().max(86_400).optional(),
  /** Seconds between two streamed tokens before the stream counts as stalled and is retried; 30 when unset. */
  idleTimeoutS: z.number().positive().max(86_400).optional(),
  /** USD per million tokens, for cost accounting. */
  pricing: z.strictObject({ prompt: z.number().nonnegative(), completion: z.number().nonnegative() }).optional(),
});

export const HfModelConfig = z.strictObject({
  engine: z.literal('hf'),
  /** A Hugging Face model id (where the machine can reach the hub) or a local folder. */
  model: z.string().min(1),
  /** A PEFT adapter folder loaded onto the model (a trained condition gets its own automatically). */
  adapter: z.string().min(1).optional(),
  /** auto: CUDA when present, else the CPU; or cpu, cuda, cuda:N, mps. */
  device: z.string().regex(/^(auto|cpu|mps|cuda(:\d+)?)$/, 'auto, cpu, cuda, cuda:N or mps').default('auto'),
  /** auto: bfloat16 (or float16) on CUDA, float32 elsewhere. */
  dtype: z.enum(['auto', 'float32', 'bfloat16', 'float16']).default('auto'),
  /** Requests the worker runs together (generation and scoring). */
  batchSize: z.number().int().positive().max(1024).default(8),
  /** The model is a sentence-transformers embedder (found by itself for a local folder with modules.json). */
  sentenceTransformers: z.boolean().optional(),
  /** The Python that runs the worker; unset: $BASKETS_PYTHON, else python3 on PATH. */
  python: z.string().min(1).optional(),
});

export const TrainerConfig = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('builtin'),
    epochs: z.number().int().positive().default(1),
    /** Weight of the fine-tuning counts against the base model's (a learning-rate analogue). */
    learningRate: z.number().positive().max(1).default(0.5),
    batchSize: z.number().int().positive().default(16),
  }),
  z.strictObject({
    kind: z.literal('hf'),
    /** Hugging Face model id or local path of the base model. */
    baseModel: z.string().min(1),
    epochs: z.number().positive().default(1),
    learningRate: z.number().positive().default(2e-4),
    batchSize: z.number().int().positive().default(8),
    gradientAccumulation: z.number().int().positive().default(1),
    maxLength: z.number().int().positive().default(1024),
    /**
     * An example longer than maxLength: cut the end of its prompt so the whole response is
     * learnt (the default), cut the end of its response, or leave it out. Counted either way.
     */
    overlong: OverlongPolicy.default('truncate-prompt'),
    /** Share of the examples held out for the eval loss. */
    evalFraction: z.number().min(0).lt(1).default(0.05),
    /** Optimizer steps between log lines; unset: about 100 over the run (every step on a short one). */
    loggingSteps: z.number().int().positive().optional(),
    /** Optimizer steps between evaluations; unset: evalPoints evaluations over the run. */
    evalSteps: z.number().int().positive().optional(),
    evalPoints: z.number().int().positive().default(10),
    /** Optimizer steps between checkpoints; unset: at every evaluation. */
    saveSteps: z.number().int().positive().optional(),
    /**
     * Training processes on this machine, one per GPU (or CPU processes where there is none):
     * `accelerate launch --multi_gpu --num_processes N`. Unset: accelerate's own config decides.
     */
    processes: z.number().int().positive().max(1024).optional(),
    lora: z
      .strictObject({
        r: z.number().int().positive().default(16),
        alpha: z.number().positive().default(32),
        dropout: z.number().min(0).max(1).default(0.05),
        targetModules: z.array(z.string()).default(['q_proj', 'k_proj', 'v_proj', 'o_proj']),
      })
      .prefault({}),
    load4bit: z.boolean().default(false),
    accelerateConfig: z.string().optional(),
    /** vLLM endpoint (started with runtime LoRA updating) that serves the trained adapter. */
    serveBaseUrl: baseUrl.optional(),
  }),
  z.strictObject({
    kind: z.literal('openai-ft'),
    baseUrl: baseUrl.optional(),
    apiKeyEnv: z.string().optional(),
    baseModel: z.string().min(1),
    epochs: z.number().int().positive().optional(),
  }),
]);
export type TrainerConfig = z.infer<typeof TrainerConfig>;

export const ModelEntry = z.strictObject({
  id: modelId,
  family: z.string().min(1),
  size: SizeTier,
  roles: z.array(Role).min(1),
  engine: z.discriminatedUnion('engine', [BuiltinModelConfig, OpenAIModelConfig, HfModelConfig]),
  generation: GenerationParams.prefault({}),
  trainer: TrainerConfig.optional(),
});
export type ModelEntry = z.infer<typeof ModelEntry>;

export const ConditionKind = z.enum(['vanilla', 'human', 'single', 'multi', 'mix']);
export type ConditionKind = z.infer<typeof ConditionKind>;

export const Condition = z.strictObject({
  /** Unique within the session, e.g. "qwen-small/multi". */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/, 'letters, digits, ".", "_", "-", "/"'),
  target: modelId,
  kind: ConditionKind,
  /** For `single`/`multi`/`mix`: the source models and their weights (equal for multi). */
  sources: z.array(z.strictObject({ model: modelId, weight: z.number().positive().default(1) })).default([]),
  /** Training examples; defaults to the size of the train split (so single and multi match). */
  examples: z.number().int().positive().optional(),
});
export type Condition = z.infer<typeof Condition>;

export const DataSource = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('file'),
    path: z.string().min(1),
    format: z.enum(['jsonl', 'csv', 'parquet']).optional(),
  }),
  z.strictObject({
    kind: z.literal('builtin'),
    /** The instruction set derived from the builtin pretraining corpus. */
    name: z.literal('sotu-continuations'),
  }),
]);

export const MultiTurnPolicy = z.enum(['history', 'last-turn', 'skip']);
export type MultiTurnPolicy = z.infer<typeof MultiTurnPolicy>;

export const DataConfig = z.strictObject({
  source: DataSource,
  /** Which record fields hold what (Dolly's names by default). */
  fields: z
    .strictObject({
      instruction: z.string().default('instruction'),
      context: z.string().default('context'),
      response: z.string().default('response'),
      category: z.string().default('category'),
      /** Earlier turns of a multi-turn record: [instruction, response] pairs or a list of messages. */
      history: z.string().default('history'),
      /**
       * A field holding each whole conversation (OpenAI messages, ShareGPT turns, LIMA's strings);
       * when set, the instruction and response are its last exchange and the rest is history.
       */
      messages: z.string().min(1).optional(),
    })
    .prefault({}),
  /**
   * What a multi-turn record becomes: its last exchange with the earlier turns kept as chat
   * turns for generation, training and evaluation (history), its last exchange alone
   * (last-turn), or nothing (skip). Counted either way.
   */
  multiTurn: MultiTurnPolicy.default('history'),
  testFraction: z.number().gt(0).lt(1).default(0.1),
  /** Keep at most this many records (seeded sample) before splitting. */
  subsample: z.number().int().positive().optional(),
  /** Stop at the first malformed record instead of skipping and counting. */
  strict: z.boolean().default(false),
});
export type DataConfig = z.infer<typeof DataConfig>;

export const EvaluationConfig = z.strictObject({
  /** Test instructions each model answers for the diversity metrics (cap). */
  answers: z.number().int().positive().default(500),
  perplexity: z.boolean().default(true),
  /** `true`/`false` (older sessions) read as `{ enabled }`. */
  diversity: z
    .preprocess(
      (v) => (typeof v === 'boolean' ? { enabled: v } : v),
      z.strictObject({
        enabled: z.boolean().default(true),
        /**
         * The one embedder of every condition's answers, so semantic diversity is comparable
         * across conditions: "builtin" (the builtin embedder) or the id of a session model that
         * can embed.
         */
        embedder: z.union([z.literal('builtin'), modelId]).default('builtin'),
      }),
    )
    .prefault({}),
  safety: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** JSONL, CSV or Parquet of harmful prompts; absent: the project's own small generic set. */
      promptsPath: z.string().optional(),
      /** The column holding the request (AdvBench `goal`, HarmBench `Behavior`, StrongREJECT `forbidden_prompt`). */
      promptField: z.string().default('goal'),
      /** A column whose text, where a row has it, is put before the request (HarmBench's `ContextString`). */
      contextField: z.string().min(1).optional(),
      /** Which rows are used, e.g. `FunctionalCategory == standard` (grammar: evaluation/row-filter.ts). */
      filter: z
        .string()
        .optional()
        .superRefine((text, ctx) => {
          try {
            if (text) parseRowFilter(text);
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: (err as Error).message });
          }
        }),
      /** The first this many prompts left by the filter. */
      limit: z.number().int().positive().optional(),
      /** Rates the answers; absent: the first model with the judge role. */
      judge: modelId.optional(),
    })
    .prefault({}),
  preference: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Test instructions used for pairwise judging. */
      items: z.number().int().positive().default(50),
      judges: z.array(modelId).default([]),
      /**
       * Every evaluated condition's own model judges too (results per judge × condition).
       * Absent: on when every condition's model can judge; true: required; false: off.
       */
      conditionJudges: z.boolean().optional(),
    })
    .prefault({}),
});
export type EvaluationConfig = z.infer<typeof EvaluationConfig>;

export const Session = z.strictObject({
  version: z.literal(SESSION_VERSION),
  name: z.string(),
  description: z.string().default(''),
  createdAt: z.string(),
  /** Every random choice derives from this seed. */
  seed: z.number().int().nonnegative().default(1234),
  data: DataConfig,
  models: z.array(ModelEntry).default([]),
  conditions: z.array(Condition).default([]),
  evaluation: EvaluationConfig.prefault({}),
}).superRefine((session, ctx) => {
  // Outputs are files named after models and conditions: two names must never share one.
  const unique = (what: 'models' | 'conditions', names: string[], field: 'id' | 'name') => {
    const seen = new Map<string, string>();
    names.forEach((name, i) => {
      const earlier = seen.get(fileStem(name));
      if (earlier === undefined) return void seen.set(fileStem(name), name);
      const message = earlier === name ? `"${name}" is used twice: give each a name of its own` : `"${name}" and "${earlier}" would share files: rename one`;
      ctx.addIssue({ code: 'custom', path: [what, i, field], message });
    });
  };
  unique('models', session.models.map((m) => m.id), 'id');
  unique('conditions', session.conditions.map((c) => c.name), 'name');
});
export type Session = z.infer<typeof Session>;
export type SessionInput = z.input<typeof Session>;

/** The cells of the Run notebook, in order. */
export const STEP_IDS = ['data', 'generate', 'assemble', 'train', 'answer', 'perplexity', 'diversity', 'safety', 'preference'] as const;
export type StepId = (typeof STEP_IDS)[number];

/** One readable line per problem, each naming the path of the bad key. */
export function formatSchemaIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : '(root)';
    if (issue.code === 'unrecognized_keys') {
      // An odd key is quoted as JSON, so one made of control characters still shows as something to find.
      const keys = issue.keys.map((k) => (/^[\w-]+$/.test(k) ? k : JSON.stringify(k))).join(', ');
      return `${path === '(root)' ? '' : path + '.'}${keys}: unknown key — remove it or check its spelling`;
    }
    // zod says "expected string, received undefined" of a key that is not there at all.
    if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return `${path}: missing — add it (${issue.expected})`;
    return `${path}: ${issue.message}`;
  });
}
