import { readJsonlAll } from '../../util/jsonl.js';
import type { Example } from '../../domain/example.js';
import type { SessionPaths } from '../paths.js';

/** The human split written by the data step; a clear error when it has not run yet. */
export async function readHumanSplit(paths: SessionPaths, which: 'train' | 'test'): Promise<Example[]> {
  const file = which === 'train' ? paths.humanTrain : paths.humanTest;
  const rows = await readJsonlAll<Example>(file);
  if (rows.length === 0) throw new Error(`no human ${which} data in ${file}: run the data step first`);
  return rows;
}
