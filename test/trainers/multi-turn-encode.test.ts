import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTinyLlama, realPython, runPython, type RealPython } from '../helpers/python.js';

/**
 * train_hf.py's encoder on a multi-turn example, with the real tokenizer and chat template of a
 * tiny Llama: the earlier turns are in the prompt, only the last response is learnt, and an
 * over-long history loses its oldest exchange before the instruction loses anything.
 */
const TRAINERS = fileURLToPath(new URL('../../trainers', import.meta.url));
const py = realPython(['torch', 'transformers', 'peft']);
const reason = typeof py === 'string' ? ` (skipped: ${py})` : '';
// Each case starts Python and imports torch: a guard against a hang, not a claim about speed.
const HANG_GUARD = 600_000;

/** Encodes each case of argv[2] (JSON: [max_length, history, prompt, response]) in one Python start. */
const ENCODE = `
import json, sys
sys.path.insert(0, ${JSON.stringify(TRAINERS)})
from transformers import AutoTokenizer
from chat_format import prepare_tokenizer
from train_hf import ExampleEncoder
tok = AutoTokenizer.from_pretrained(sys.argv[1])
prepare_tokenizer(tok)
out = []
for max_length, history, prompt, response in json.loads(sys.argv[2]):
    enc = ExampleEncoder(tok, max_length, "truncate-prompt")
    row = enc.encode(prompt, response, history)
    learnt = [t for t, l in zip(row["input_ids"], row["labels"]) if l != -100]
    out.append({"tokens": len(row["input_ids"]), "text": tok.decode(row["input_ids"]), "learnt": tok.decode(learnt), "counts": enc.counts})
print(json.dumps(out))
`;

interface Encoded {
  tokens: number;
  text: string;
  learnt: string;
  counts: Record<string, number>;
}

const history = [
  { role: 'user', content: 'Name a cold planet.' },
  { role: 'assistant', content: 'Neptune is cold.' },
  { role: 'user', content: 'And a hot one?' },
  { role: 'assistant', content: 'Venus is hot.' },
];

describe.skipIf(typeof py === 'string')(`train_hf.py encodes multi-turn examples${reason}`, () => {
  let model: string;
  const encode = (cases: [number, unknown[], string, string][]): Encoded[] => JSON.parse(runPython(py as RealPython, ENCODE, [model, JSON.stringify(cases)]));
  beforeAll(() => {
    model = makeTinyLlama(py as RealPython);
  }, HANG_GUARD);

  it('puts the earlier turns before the instruction and learns the last response only', () => {
    const [out] = encode([[512, history, 'Which is larger?', 'Neptune is larger than Venus.']]);
    const order = ['Name a cold planet.', 'Neptune is cold.', 'And a hot one?', 'Venus is hot.', 'Which is larger?', 'Neptune is larger than Venus.'].map((t) => out.text.indexOf(t));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]))).toBe(true);
    expect(out.learnt).toContain('Neptune is larger than Venus.');
    expect(out.learnt).not.toContain('Venus is hot.');
    expect(out.counts.prompt_truncated).toBe(0);
  }, HANG_GUARD);

  it('drops the oldest exchange first when the conversation is too long, keeping the instruction whole', () => {
    const [whole, withoutFirst] = encode([
      [512, history, 'Which is larger?', 'Neptune.'],
      [512, history.slice(2), 'Which is larger?', 'Neptune.'],
    ]);
    // A window that holds all but the first exchange.
    expect(withoutFirst.tokens).toBeLessThan(whole.tokens);
    const [out] = encode([[withoutFirst.tokens, history, 'Which is larger?', 'Neptune.']]);
    expect(out.text).not.toContain('Name a cold planet.');
    expect(out.text).toContain('And a hot one?');
    expect(out.text).toContain('Which is larger?');
    expect(out.counts.prompt_truncated).toBe(1);
  }, HANG_GUARD);
});
