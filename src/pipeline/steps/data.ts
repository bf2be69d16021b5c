import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic.js';
import { builtinInstructionSet } from '../../engines/builtin/index.js';
import { loadDatasetFile, type DataIssue } from '../data/load.js';
import { splitExamples } from '../data/split.js';
import type { Example } from '../../domain/example.js';
import { studyInputs } from '../provenance.js';
import type { MultiTurnPolicy } from '../../domain/session.js';
import type { Step } from '../step.js';

const SHOWN_ISSUES = 5;

function toJsonl(rows: Example[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}

const POLICY_WORDS: Record<MultiTurnPolicy, string> = { history: 'kept with their earlier turns', 'last-turn': 'cut to their last turn', skip: 'skipped' };

function multiTurnNote(records: number, policy: MultiTurnPolicy): string {
  return `${records} multi-turn record${records === 1 ? '' : 's'} ${POLICY_WORDS[policy]}`;
}

/**
 * The data step: load the human dataset (a file with mapped fields, or the builtin
 * instruction set), report malformed records, and write the seeded train/test split.
 */
export const dataStep: Step = async function* (ctx) {
  const { data, seed } = ctx.session;
  // Fingerprinted before reading, so a file changed while it is read is not recorded as read.
  const inputs = studyInputs(ctx.session);
  let examples: Example[];
  let issues: DataIssue[] = [];
  let multiTurn = 0;
  let origin: string;
  if (data.source.kind === 'builtin') {
    examples = builtinInstructionSet();
    origin = `builtin:${data.source.name}`;
  } else {
    const loaded = await loadDatasetFile(data.source.path, { fields: data.fields, format: data.source.format, strict: data.strict || ctx.options.strict, multiTurn: data.multiTurn });
    examples = loaded.examples;
    issues = loaded.issues;
    multiTurn = loaded.multiTurn;
    origin = data.source.path;
  }
  for (const issue of issues.slice(0, SHOWN_ISSUES)) {
    yield { type: 'log', level: 'warn', message: `${issue.file}:${issue.line}: ${issue.reason}` };
  }
  if (issues.length > SHOWN_ISSUES) {
    yield { type: 'log', level: 'warn', message: `… and ${issues.length - SHOWN_ISSUES} more malformed records skipped` };
  }
  if (examples.length < 2) throw new Error(`${origin}: only ${examples.length} usable records — a study needs at least 2`);
  const split = splitExamples(examples, { seed, testFraction: data.testFraction, subsample: data.subsample });
  // An empty side would only fail later, at a step that needs it, with a misleading "run the data step".
  const empty = split.train.length === 0 ? 'train' : split.test.length === 0 ? 'test' : null;
  if (empty) {
    const kept = data.subsample !== undefined ? Math.min(data.subsample, examples.length) : examples.length;
    throw new Error(`the ${empty} split of ${kept} record${kept === 1 ? '' : 's'} at test fraction ${data.testFraction} is empty: raise data.subsample or move data.testFraction away from ${empty === 'test' ? 0 : 1}`);
  }
  writeFileAtomic(ctx.paths.humanTrain, toJsonl(split.train));
  writeFileAtomic(ctx.paths.humanTest, toJsonl(split.test));
  writeJsonAtomic(ctx.paths.split, {
    origin,
    seed,
    testFraction: data.testFraction,
    subsample: data.subsample ?? null,
    records: examples.length,
    skipped: issues.length,
    train: split.train.length,
    test: split.test.length,
    ...(multiTurn ? { multiTurn: { records: multiTurn, policy: data.multiTurn } } : {}),
    inputs: { seed, data: inputs.data },
  });
  yield { type: 'progress', task: 'split', done: examples.length, total: examples.length, unit: 'records' };
  yield { type: 'result', name: 'split', path: ctx.paths.split, summary: `${split.train.length} train / ${split.test.length} test` };
  yield {
    type: 'summary',
    text:
      `${examples.length} records → ${split.train.length} train / ${split.test.length} test` +
      (multiTurn ? `; ${multiTurnNote(multiTurn, data.multiTurn)}` : '') +
      (issues.length ? ` (${issues.length} malformed skipped)` : ''),
  };
};
