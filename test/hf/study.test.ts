import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/domain/events.js';
import { runCli } from '../cli/cli.js';
import { makeTinyLlama, realPython, runPython, type RealPython } from '../helpers/python.js';
import { useBuiltinCache } from '../helpers/tmp.js';

/**
 * The whole study on real transformer models, on the CPU: a tiny random Llama on the hf engine
 * as source, target and judge, builtin sources beside it for the multi-source mix, the target
 * fine-tuned by the hf trainer and every condition evaluated with its own adapter.
 */
const py = realPython(['torch', 'transformers', 'peft', 'accelerate']);
const skip = typeof py === 'string' ? py : undefined;
const TITLE = 'a complete study on the hf engine (CPU)';
const HANG_GUARD = 900_000;

/** 60 short instruction records of varied length. */
function writeRecords(file: string): void {
  const words = 'the nation people congress year government states union peace war law power public time country'.split(' ');
  const text = (n: number, shift: number) => Array.from({ length: n }, (_, k) => words[(shift + k * 7) % words.length]).join(' ');
  const lines = Array.from({ length: 60 }, (_, i) => JSON.stringify({ instruction: `Write about item ${i}.`, context: '', response: `${text(6 + (i % 11), i)}. ${text(4 + (i % 5), i + 3)}.` }));
  writeFileSync(file, lines.join('\n') + '\n');
}

describe.skipIf(skip)(skip ? `${TITLE} — SKIPPED: ${skip}` : TITLE, () => {
  const python = py as RealPython;
  const { root } = useBuiltinCache('baskets-hf-study');
  let sessions: string;
  let model: string;

  beforeAll(() => {
    sessions = join(root(), 'sessions');
    model = makeTinyLlama(python, join(root(), 'tiny-llama'));
    const data = join(root(), 'records.jsonl');
    writeRecords(data);
    mkdirSync(join(sessions, 'hf-study'), { recursive: true });
    const session = {
      version: 1,
      name: 'hf-study',
      createdAt: '2026-12-06T00:00:00.000Z',
      seed: 5,
      data: { source: { kind: 'file', path: data }, testFraction: 0.25 },
      models: [
        {
          id: 'tiny',
          family: 'llama',
          size: 'small',
          roles: ['source', 'target', 'judge'],
          engine: { engine: 'hf', model, batchSize: 8 },
          generation: { maxTokens: 24 },
          trainer: { kind: 'hf', baseModel: model, epochs: 1, learningRate: 0.01, batchSize: 4, maxLength: 192 },
        },
        { id: 'fs', family: 'founders', size: 'small', roles: ['source'], engine: { engine: 'builtin', base: 'founders-small' }, generation: { maxTokens: 24 } },
        { id: 'ms', family: 'modern', size: 'small', roles: ['source'], engine: { engine: 'builtin', base: 'modern-small' }, generation: { maxTokens: 24 } },
      ],
      conditions: [
        { name: 'tiny/vanilla', target: 'tiny', kind: 'vanilla' },
        { name: 'tiny/human', target: 'tiny', kind: 'human' },
        { name: 'tiny/single', target: 'tiny', kind: 'single', sources: [{ model: 'tiny' }] },
        { name: 'tiny/multi', target: 'tiny', kind: 'multi', sources: [{ model: 'tiny' }, { model: 'fs' }, { model: 'ms' }] },
      ],
      evaluation: { answers: 8, diversity: { embedder: 'tiny' }, safety: { limit: 3, judge: 'tiny' }, preference: { items: 3 } },
    };
    writeFileSync(join(sessions, 'hf-study', 'session.json'), JSON.stringify(session, null, 2));
  }, HANG_GUARD);

  it(
    'runs data → generate → assemble → train → answer → perplexity → diversity → safety → preference, each condition with its own adapter',
    () => {
      const result = runCli(['--sessions', sessions, 'run', 'hf-study', '--headless', '--json'], python.env, HANG_GUARD);
      const events = result.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as RunEvent);
      const finished = events.filter((e) => e.type === 'step-finish');
      expect(finished.map((e) => [e.step, e.status]), result.stdout.slice(-3000)).toEqual(
        ['data', 'generate', 'assemble', 'train', 'answer', 'perplexity', 'diversity', 'safety', 'preference'].map((s) => [s, 'done']),
      );
      expect(result.code).toBe(0);
      const dir = join(sessions, 'hf-study');
      for (const condition of ['human', 'single', 'multi']) expect(existsSync(join(dir, 'runs', `tiny__${condition}`, 'adapter', 'adapter_model.safetensors'))).toBe(true);

      const perplexity = JSON.parse(readFileSync(join(dir, 'results', 'perplexity.json'), 'utf8')) as { models: { condition: string; mean: { value: number }; scored: number }[] };
      const means = Object.fromEntries(perplexity.models.map((m) => [m.condition, m.mean.value]));
      expect(Object.keys(means).sort()).toEqual(['tiny/human', 'tiny/multi', 'tiny/single', 'tiny/vanilla']);
      // Each condition is its own model: the adapters move the numbers off the base's.
      expect(new Set(Object.values(means)).size).toBe(4);
      expect(perplexity.models.every((m) => m.scored === 15)).toBe(true);

      const diversity = JSON.parse(readFileSync(join(dir, 'results', 'diversity.json'), 'utf8')) as { models: { condition: string; semantic: { embedder: string } | null }[] };
      expect(diversity.models.map((m) => m.semantic?.embedder)).toEqual(['tiny', 'tiny', 'tiny', 'tiny']);
      const safety = JSON.parse(readFileSync(join(dir, 'results', 'safety.json'), 'utf8')) as { judge: string; heuristic: boolean; models: { rated: number }[] };
      expect(safety).toMatchObject({ judge: 'tiny', heuristic: false });
      const preference = JSON.parse(readFileSync(join(dir, 'results', 'preference.json'), 'utf8')) as { judges: { judge: string; methods: { logprobs: number; verdict: number } }[] };
      // The verdicts come from the first token's probabilities, as the paper read them.
      expect(preference.judges.length).toBeGreaterThan(0);
      for (const j of preference.judges) expect(j.methods.verdict).toBe(0);

      const report = runCli(['--sessions', sessions, 'report', 'hf-study'], python.env);
      expect(report.code).toBe(0);
      expect(report.stdout).not.toContain('No result yet');
      expect(report.stdout).toContain('| tiny | tiny/human | examples trained |');

      // One response's perplexity as transformers and PEFT compute it directly, to 1e-6.
      const [row] = readFileSync(join(dir, 'scores', 'tiny__human.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { exampleId: string; logprobs: number[] });
      const example = readFileSync(join(dir, 'data', 'human-test.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: string; instruction: string; context: string; response: string })
        .find((e) => e.id === row.exampleId)!;
      const direct = Number(
        runPython(
          python,
          `import sys, math, torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from peft import PeftModel
base, adapter, instruction, response = sys.argv[1:5]
tok = AutoTokenizer.from_pretrained(adapter)
model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), adapter).eval()
prompt = tok(tok.apply_chat_template([{"role": "user", "content": instruction}], tokenize=False, add_generation_prompt=True), add_special_tokens=False)["input_ids"]
target = tok(response, add_special_tokens=False)["input_ids"]
with torch.no_grad():
    logits = model(input_ids=torch.tensor([prompt + target])).logits[0]
lp = torch.log_softmax(logits.float(), dim=-1)
total = sum(lp[len(prompt) - 1 + k, t].item() for k, t in enumerate(target))
print(repr(math.exp(-total / len(target))))`,
          [model, join(dir, 'runs', 'tiny__human', 'adapter'), example.instruction, example.response],
        ),
      );
      const ours = Math.exp(-row.logprobs.reduce((a, b) => a + b, 0) / row.logprobs.length);
      expect(Math.abs(ours - direct) / direct).toBeLessThan(1e-6);
    },
    HANG_GUARD,
  );
});
