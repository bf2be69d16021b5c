import type { LanguageModel } from '../../domain/models.js';
import type { Example, SyntheticRecord } from '../../domain/example.js';
import { latestRows } from '../generation/answers.js';
import { answerKey, paramsHashOf } from '../generation/answer-keys.js';
import { prepareSource, type SourceAccounting } from '../generation/source-run.js';
import type { StepEvent } from '../../domain/events.js';
import type { ModelEntry } from '../../domain/session.js';
import type { ModelRevision } from './evaluated.js';
import type { Prepared } from './stream.js';

/**
 * Evaluation answers reuse the generate step's keyed, resumable machinery: a "writer" is the
 * model's entry under the name its answers are keyed by (a condition, a condition's harmful
 * prompts, a source), answering each item once with the entry's generation parameters and a
 * seed derived from the session seed and that name. Answers are keyed by the weights too (the
 * revision), so a retrained condition's answers are new rows rather than the old model's.
 */
export interface Writer {
  /** The name answers are keyed and seeded by. */
  name: string;
  entry: ModelEntry;
  /** The weights behind `model`, when they are not the entry's released model. */
  revision?: ModelRevision;
  model: LanguageModel;
  file: string;
}

const asWriterEntry = (w: Writer): ModelEntry => ({ ...w.entry, id: w.name, generation: { ...w.entry.generation, samples: 1 } });

/** A writer's answers to `items`, prepared (counted, total reported) to run with the others (see runPrepared). */
export function prepareAnswers(
  writer: Writer,
  items: Example[],
  opts: { sessionSeed: number; retryErrors: boolean },
  ctx: { signal: AbortSignal; now: () => number; emit: (event: StepEvent) => void },
): Promise<Prepared<SourceAccounting>> {
  const paramsHash = paramsHashOf(writer.entry, writer.revision);
  return prepareSource({ entry: asWriterEntry(writer), paramsHash, model: writer.model, file: writer.file, examples: items, ...opts }, ctx);
}

export interface WrittenAnswers {
  /** Successful answers by item id, in the order of the items. */
  answers: Map<string, SyntheticRecord>;
  /** Items whose latest row is an error. */
  errors: number;
  /** Items with no row at all (the answer step has not reached them). */
  missing: number;
}

/** A writer's current answers to `items`, written by `revision` with its current generation parameters. */
export async function readWrittenAnswers(file: string, name: string, entry: ModelEntry, items: readonly Example[], revision?: ModelRevision): Promise<WrittenAnswers> {
  const paramsHash = paramsHashOf(entry, revision);
  const itemsById = new Map(items.map((item) => [item.id, item]));
  const byExample = new Map<string, SyntheticRecord>();
  for (const row of (await latestRows(file)).values()) {
    const item = itemsById.get(row.exampleId);
    // The key covers the item's text: an answer to an edited item (same id) is not its answer.
    if (item && row.source === name && row.paramsHash === paramsHash && row.sample === 0 && row.key === answerKey(name, item, 0, paramsHash, row.seed)) {
      byExample.set(row.exampleId, row);
    }
  }
  const answers = new Map<string, SyntheticRecord>();
  let errors = 0;
  let missing = 0;
  for (const item of items) {
    const row = byExample.get(item.id);
    if (!row) missing++;
    else if (row.error !== undefined || typeof row.response !== 'string') errors++;
    else answers.set(item.id, row);
  }
  return { answers, errors, missing };
}
