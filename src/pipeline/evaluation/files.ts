import { basename, join } from 'node:path';
import type { SessionPaths } from '../paths.js';

/**
 * Where the evaluation steps keep their per-item outputs, beside the answers of paths.ts:
 *
 *   answers/sources/<source>.jsonl   source models' answers to the preference items
 *   scores/<condition>.jsonl         per-response log-probs (perplexity)
 *   embeddings/<condition>.jsonl     answer embeddings (diversity)
 *   ratings/<condition>.jsonl        judge ratings of the harmful-prompt answers (safety)
 *   judgements/<judge>.jsonl         pairwise judgements (preference)
 *   judgements/conditions/<condition>.jsonl   pairwise judgements by a condition's own model
 *   diversity/conditions/<condition>.json     a condition's diversity metrics, with its inputs' fingerprint
 *   diversity/sources/<source>.json           a source's lexical diversity, likewise
 *   diversity/finished.json                   the fingerprint of the inputs of the last finished diversity result
 */
export function evaluationFiles(paths: SessionPaths) {
  // paths.answers already makes a name file-safe; reuse its file name rather than a second rule.
  const fileName = (name: string) => basename(paths.answers(name));
  return {
    sourceAnswers: (source: string) => join(paths.dir, 'answers', 'sources', fileName(source)),
    scores: (condition: string) => join(paths.dir, 'scores', fileName(condition)),
    embeddings: (condition: string) => join(paths.dir, 'embeddings', fileName(condition)),
    ratings: (condition: string) => join(paths.dir, 'ratings', fileName(condition)),
    judgements: (judge: string) => join(paths.dir, 'judgements', fileName(judge)),
    conditionJudgements: (condition: string) => join(paths.dir, 'judgements', 'conditions', fileName(condition)),
    diversity: (condition: string) => join(paths.dir, 'diversity', 'conditions', fileName(condition).replace(/\.jsonl$/, '.json')),
    sourceDiversity: (source: string) => join(paths.dir, 'diversity', 'sources', fileName(source).replace(/\.jsonl$/, '.json')),
    diversityFinished: join(paths.dir, 'diversity', 'finished.json'),
  };
}
