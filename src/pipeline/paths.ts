import { join } from 'node:path';
import { fileStem } from '../domain/file-stem.js';


/**
 * Where a session keeps everything. One place, so the runner, the steps, the TUI and the
 * report agree on the layout:
 *
 *   session.json  events.jsonl  runner.lock  runner.log
 *   data/human-train.jsonl  data/human-test.jsonl  data/split.json
 *   data/synthetic/<source>.jsonl          generation outputs, keyed, append-only
 *   datasets/<condition>.jsonl             assembled fine-tuning sets
 *   runs/<condition>/                      training runs: training.json (what it trains on),
 *                                          checkpoints, model.json (written last)
 *   runs/<condition>.stale-<time>/         a run whose dataset or settings changed, kept aside
 *   answers/<condition>.jsonl              each evaluated model's answers to test instructions
 *   answers/<condition>.safety.jsonl       … and to the harmful prompts
 *   results/<evaluation>.json              evaluation results (written atomically)
 */
export function sessionPaths(dir: string) {
  return {
    dir,
    sessionFile: join(dir, 'session.json'),
    events: join(dir, 'events.jsonl'),
    lock: join(dir, 'runner.lock'),
    runnerLog: join(dir, 'runner.log'),
    cancelRequest: join(dir, 'cancel.request'),
    humanTrain: join(dir, 'data', 'human-train.jsonl'),
    humanTest: join(dir, 'data', 'human-test.jsonl'),
    split: join(dir, 'data', 'split.json'),
    synthetic: (source: string) => join(dir, 'data', 'synthetic', `${fileStem(source)}.jsonl`),
    dataset: (condition: string) => join(dir, 'datasets', `${fileStem(condition)}.jsonl`),
    runDir: (condition: string) => join(dir, 'runs', fileStem(condition)),
    answers: (condition: string) => join(dir, 'answers', `${fileStem(condition)}.jsonl`),
    safetyAnswers: (condition: string) => join(dir, 'answers', `${fileStem(condition)}.safety.jsonl`),
    result: (name: string) => join(dir, 'results', `${fileStem(name)}.json`),
    resultsDir: join(dir, 'results'),
  };
}
export type SessionPaths = ReturnType<typeof sessionPaths>;
