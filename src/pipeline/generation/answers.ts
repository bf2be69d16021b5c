import { readJsonl } from '../../util/jsonl.js';
import type { SyntheticRecord } from '../../domain/example.js';

/** The last row of each key (a later success supersedes an earlier error row). */
export async function latestRows(file: string): Promise<Map<string, SyntheticRecord>> {
  const rows = new Map<string, SyntheticRecord>();
  for await (const { value } of readJsonl<SyntheticRecord>(file)) {
    if (value && typeof value.key === 'string') rows.set(value.key, value);
  }
  return rows;
}

/**
 * A source's current successful answers, by example id, each example's samples in order.
 * With `paramsHash`, only answers written with those generation parameters.
 */
export async function readSyntheticAnswers(file: string, paramsHash?: string): Promise<Map<string, SyntheticRecord[]>> {
  const out = new Map<string, SyntheticRecord[]>();
  for (const row of (await latestRows(file)).values()) {
    if (row.error !== undefined || typeof row.response !== 'string') continue;
    if (paramsHash !== undefined && row.paramsHash !== paramsHash) continue;
    const list = out.get(row.exampleId) ?? [];
    list.push(row);
    out.set(row.exampleId, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.sample - b.sample);
  // Examples in id order: requests finish (and rows land) in any order on a pool of threads, and what is read must not depend on it.
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
