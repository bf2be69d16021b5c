import type { BuiltinModel } from '../../src/engines/builtin/model.js';
import type { ChatMessage, LanguageModel } from '../../src/domain/models.js';

/**
 * The in-process log-probs of the tokens a server sampled, given by their bytes (as OpenAI's
 * `logprobs.content[].bytes`). Scoring the answer's text instead would re-encode it, and a BPE
 * sample need not be the canonical encoding of its own text.
 */
export async function logProbsOfSampled(model: LanguageModel, messages: ChatMessage[], tokenBytes: number[][]): Promise<number[]> {
  const builtin = model as BuiltinModel;
  const tok = builtin.base.tokenizer;
  const idOfBytes = new Map<string, number>();
  for (let id = tok.vocabSize - 1; id >= 2; id--) idOfBytes.set(Buffer.from(tok.tokenBytes(id)).toString('hex'), id);
  const ids = tokenBytes.map((b) => {
    const id = idOfBytes.get(Buffer.from(b).toString('hex'));
    if (id === undefined) throw new Error(`no token of ${model.id} has the bytes [${b.join(', ')}]`);
    return id;
  });
  return Array.from(builtin.logProbsOf((await model.tokenize(messages)).ids, ids));
}
