import type { Example } from '../../domain/example.js';
import { isHeldOutYear, loadAddresses, passagesOf, splitSentences } from './corpus.js';

/**
 * The demo's human instruction set, cut from the addresses no builtin model pretrains on
 * (years ending in 5). Each example asks to continue a passage of an address; the human
 * response is what the president actually said next. A few templates vary the wording, and
 * one asks to finish a passage from its first sentence. Ids (`sotu-<year>-<k>-<passage>`)
 * are stable across runs and machines.
 */

const CONTINUE_TEMPLATES = [
  (year: number) => `Continue this passage from the ${year} State of the Union address.`,
  (_year: number, president: string) => `Write the next part of this address by ${president}.`,
  () => 'Here is part of a speech to Congress. Continue it in the same voice.',
  () => 'Continue the following text.',
];

/** Keep responses a passage long: enough text to measure, short enough to generate quickly. */
const MIN_WORDS = 30;
const MAX_WORDS = 130;

export function builtinInstructionSet(): Example[] {
  const out: Example[] = [];
  const addresses = loadAddresses();
  addresses.forEach((address, k) => {
    if (!isHeldOutYear(address.year)) return;
    const passages = passagesOf(address);
    for (let i = 1; i < passages.length; i++) {
      const words = passages[i].text.split(' ').length;
      if (words < MIN_WORDS || words > MAX_WORDS) continue;
      const id = `sotu-${address.year}-${k}-${i}`;
      const variant = (address.year + i) % (CONTINUE_TEMPLATES.length + 1);
      if (variant === CONTINUE_TEMPLATES.length) {
        const sentences = splitSentences(passages[i].text);
        if (sentences.length < 2) continue;
        out.push({
          id,
          instruction: 'Finish this passage from a State of the Union address.',
          context: sentences[0],
          response: sentences.slice(1).join(' '),
          category: 'completion',
        });
      } else {
        out.push({
          id,
          instruction: CONTINUE_TEMPLATES[variant](address.year, address.president),
          context: passages[i - 1].text,
          response: passages[i].text,
          category: 'continuation',
        });
      }
    }
  });
  return out;
}
