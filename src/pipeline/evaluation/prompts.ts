import { deriveSeed, mulberry32, sample } from '../../util/rng.js';
import { loadDatasetFile } from '../data/load.js';
import type { Example } from '../example.js';
import type { Session } from '../session.js';
import { BUILTIN_HARMFUL_PROMPTS } from './harmful-prompts.js';

/**
 * The test instructions an evaluation uses: a seeded sample, fixed by the session seed and the
 * purpose, so every model answers the same items and a rerun picks the same ones.
 */
export function sampleTestExamples(examples: readonly Example[], count: number, sessionSeed: number, purpose: string): Example[] {
  return sample(examples, count, mulberry32(deriveSeed(sessionSeed, `evaluate/${purpose}`)));
}

export interface HarmfulPrompts {
  /** Where they came from: the file, or "builtin". */
  origin: string;
  /** As examples (instruction = the prompt), so the answering machinery takes them as they are. */
  prompts: Example[];
}

const asExample = (id: string, prompt: string): Example => ({ id, instruction: prompt, context: '', response: '', category: 'harmful' });

/**
 * The harmful prompts of `evaluation.safety`: the prompt file's `promptField` (AdvBench's
 * `goal` by default) or the builtin generic set, cut to `limit`.
 */
export async function loadHarmfulPrompts(session: Session): Promise<HarmfulPrompts> {
  const cfg = session.evaluation.safety;
  let origin = 'builtin';
  let prompts: Example[];
  if (cfg.promptsPath) {
    origin = cfg.promptsPath;
    // The prompt file has no responses: the prompt field stands in for both required fields.
    const field = cfg.promptField;
    const loaded = await loadDatasetFile(cfg.promptsPath, { fields: { instruction: field, response: field, context: 'context', category: 'category' } });
    if (loaded.examples.length === 0) {
      const why = loaded.issues[0] ? `${loaded.issues[0].file}:${loaded.issues[0].line}: ${loaded.issues[0].reason.replace(/ \(map.*\)$/, '')}` : 'the file is empty';
      throw new Error(`no harmful prompts in ${cfg.promptsPath} (${why}): set evaluation.safety.promptField to the column that holds them`);
    }
    prompts = loaded.examples.map((e) => asExample(`p${e.id}`, e.instruction));
  } else {
    prompts = BUILTIN_HARMFUL_PROMPTS.map((p, i) => asExample(`b${i + 1}`, p));
  }
  return { origin, prompts: cfg.limit ? prompts.slice(0, cfg.limit) : prompts };
}
