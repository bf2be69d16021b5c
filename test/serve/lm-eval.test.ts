import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinServeEngine } from '../../src/engines/serve/builtin-engine.js';
import { startServer, type RunningServer } from '../../src/engines/serve/index.js';
import type { ServedModel } from '../../src/engines/serve/served-model.js';
import { realPython, type RealPython } from '../helpers/python.js';

/**
 * lm-evaluation-harness itself against `baskets serve` (model local-completions, its remote
 * tokenizer, no proxy), on a rolling-loglikelihood task and a multiple-choice task over local
 * files: every number it reports equals the builtin engine's own log-probs of the same tokens.
 */
const py = realPython(['lm_eval', 'aiohttp', 'tenacity']);
const skip = typeof py === 'string' ? py : undefined;
const TITLE = 'lm-eval against baskets serve';
const HANG_GUARD = 600_000;
const MODEL = 'founders-small';

const DOCS = [
  'The public debt of the United States has been reduced by the payments of the year.',
  'We have been at peace with the nations of the world, and our commerce has grown.',
  'Congress will be asked to consider the state of the currency, the tariff and the public lands.',
  'Café, naïve façade — some words the union never wrote, and 日本 too.',
];
const QUESTIONS = [
  { question: 'What did the union keep with the nations of the world?', choices: ['peace', 'war', 'silence'], answer: 0 },
  { question: 'Who will be asked to consider the currency?', choices: ['the Congress', 'the people', 'the courts'], answer: 0 },
  { question: 'What has grown with peace?', choices: ['commerce', 'debt', 'the army'], answer: 0 },
];

/** The tasks as lm-eval's YAML configs over local JSON files. */
function writeTasks(dir: string): void {
  writeFileSync(join(dir, 'docs.jsonl'), DOCS.map((text) => JSON.stringify({ text })).join('\n') + '\n');
  writeFileSync(join(dir, 'mc.jsonl'), QUESTIONS.map((q) => JSON.stringify(q)).join('\n') + '\n');
  const data = (file: string) => `dataset_path: json\ndataset_kwargs:\n  data_files:\n    test: ${join(dir, file)}\ntest_split: test\n`;
  writeFileSync(
    join(dir, 'rolling.yaml'),
    `task: baskets_rolling\n${data('docs.jsonl')}output_type: loglikelihood_rolling\ndoc_to_text: ""\ndoc_to_target: "{{text}}"\nmetric_list:\n  - metric: word_perplexity\n  - metric: byte_perplexity\n`,
  );
  writeFileSync(
    join(dir, 'mc.yaml'),
    `task: baskets_mc\n${data('mc.jsonl')}output_type: multiple_choice\ndoc_to_text: "Question: {{question}}\\nAnswer:"\ndoc_to_choice: "{{choices}}"\ndoc_to_target: "{{answer}}"\nmetric_list:\n  - metric: acc\n`,
  );
}

function runLmEval(python: RealPython, url: string, tasks: string): Promise<{ samples: Record<string, { arguments: string[][]; resps: unknown[][] }[]>; prefix_token_id: number }> {
  const child = spawn(python.python, [join(import.meta.dirname, 'lm-eval', 'drive.py'), url, MODEL, taskDir, tasks], {
    env: { ...process.env, ...python.env, HF_DATASETS_OFFLINE: '1', HF_HUB_OFFLINE: '1', HF_DATASETS_CACHE: join(taskDir, 'hf-cache') },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) =>
    child.once('close', (code) => (code === 0 ? resolve(JSON.parse(stdout.trim().split('\n').at(-1)!)) : reject(new Error(`lm_eval failed (${code}):\n${stderr.slice(-4000)}`)))),
  );
}

let taskDir: string;

describe.skipIf(skip)(skip ? `${TITLE} — SKIPPED: ${skip}` : TITLE, () => {
  const python = py as RealPython;
  const cacheDir = mkdtempSync(join(tmpdir(), 'baskets-lm-eval-cache-'));
  let server: RunningServer;
  let served: ServedModel;

  beforeAll(async () => {
    taskDir = mkdtempSync(join(tmpdir(), 'baskets-lm-eval-'));
    writeTasks(taskDir);
    // One model served, as vLLM serves one: lm-eval's tokenizer requests name none.
    server = await startServer({ port: 0, cacheDir, models: [MODEL] });
    served = await builtinServeEngine({ cacheDir }).openBase(MODEL);
  }, HANG_GUARD);
  afterAll(async () => {
    await server?.close();
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(taskDir, { recursive: true, force: true });
  });

  /** The builtin engine's log-prob of `continuation` after `context`, as lm-eval splits and tokenizes the pair. */
  async function ownLoglikelihood(context: string, continuation: string): Promise<number> {
    const trimmed = context.trimEnd();
    const moved = context.slice(trimmed.length) + continuation;
    const whole = (await served.encodeText(trimmed + moved, false)).ids;
    const ctx = (await served.encodeText(trimmed, false)).ids;
    const scored = await served.scoreTokens(whole, { topK: 0, rank: false });
    return scored.slice(ctx.length).reduce((sum, p) => sum + p!.logprob, 0);
  }

  it(
    "reports the same rolling log-likelihood of every document, and the same choice log-likelihoods, as baskets' own scoring",
    async () => {
      const { samples, prefix_token_id: prefix } = await runLmEval(python, server.url, 'baskets_rolling,baskets_mc');
      // lm-eval reads the special tokens from /tokenizer_info and finds their ids through /tokenize;
      // it takes a BOS id of 0 for none (`bos_token_id or eos_token_id`), so it conditions on <eos>.
      expect(prefix).toBe((await served.encodeText('<eos>', false)).ids[0]);

      const rolling = samples.baskets_rolling;
      expect(rolling).toHaveLength(DOCS.length);
      for (const s of rolling) {
        const [text] = s.arguments[0];
        const ids = (await served.encodeText(text, false)).ids;
        // One window: lm-eval's prefix token, then every token of the document, each scored.
        const own = (await served.scoreTokens([prefix, ...ids], { topK: 0, rank: false })).slice(1).reduce((sum, p) => sum + p!.logprob, 0);
        expect(Math.abs(Number(s.resps[0][0]) - own)).toBeLessThan(1e-9);
      }

      // One sample per question, a (context, continuation) request and its response per choice.
      const mc = samples.baskets_mc;
      expect(mc.map((s) => s.arguments.length)).toEqual(QUESTIONS.map((q) => q.choices.length));
      for (const s of mc) {
        for (const [i, [context, continuation]] of s.arguments.entries()) {
          const [ll] = s.resps[i][0] as [number, boolean];
          expect(Math.abs(ll - (await ownLoglikelihood(context, continuation)))).toBeLessThan(1e-9);
        }
      }
    },
    HANG_GUARD,
  );
});
