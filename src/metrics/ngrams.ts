/**
 * Integer n-gram ids shared by distinct-n and cross-response Self-BLEU. Interning every
 * n-gram once turns the O(n²) reference comparisons into array look-ups: an order-n id is
 * derived from the order-(n−1) id of its prefix and the id of its last token, so no n-gram
 * is ever built as a string.
 */
export interface NgramIndex {
  readonly maxOrder: number;
  /** `ids[d][n - 1]`: the order-n n-gram ids of document d, in text order (empty if too short). */
  readonly ids: Int32Array[][];
  /** Number of distinct n-grams of each order, pooled over all documents. */
  readonly distinct: number[];
  /** Number of n-gram occurrences of each order, pooled over all documents. */
  readonly total: number[];
}

export function indexNgrams(docs: readonly (readonly string[])[], maxOrder = 4): NgramIndex {
  const vocab = new Map<string, number>();
  const unigrams = docs.map((tokens) => {
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      let id = vocab.get(tokens[i]);
      if (id === undefined) {
        id = vocab.size;
        vocab.set(tokens[i], id);
      }
      out[i] = id;
    }
    return out;
  });
  const ids: Int32Array[][] = unigrams.map((u) => [u]);
  const distinct = [vocab.size];
  const total = [unigrams.reduce((s, u) => s + u.length, 0)];
  const base = Math.max(1, vocab.size);
  for (let n = 2; n <= maxOrder; n++) {
    if (distinct[n - 2] * base > Number.MAX_SAFE_INTEGER) {
      throw new Error(`too many distinct ${n - 1}-grams to index exactly; compute on a sample of the records`);
    }
    const table = new Map<number, number>();
    let count = 0;
    for (let d = 0; d < docs.length; d++) {
      const prev = ids[d][n - 2];
      const uni = unigrams[d];
      const len = Math.max(0, uni.length - n + 1);
      const out = new Int32Array(len);
      for (let i = 0; i < len; i++) {
        const key = prev[i] * base + uni[i + n - 1];
        let id = table.get(key);
        if (id === undefined) {
          id = table.size;
          table.set(key, id);
        }
        out[i] = id;
      }
      count += len;
      ids[d].push(out);
    }
    distinct.push(table.size);
    total.push(count);
  }
  return { maxOrder, ids, distinct, total };
}

/**
 * The multiset of ids as parallel arrays of distinct ids and their counts (sorted by id), the
 * cheapest form for clipping counts against references.
 */
export function countIds(ids: Int32Array): { keys: Int32Array; counts: Int32Array } {
  const sorted = Int32Array.from(ids).sort();
  const keys = new Int32Array(sorted.length);
  const counts = new Int32Array(sorted.length);
  let k = -1;
  for (let i = 0; i < sorted.length; i++) {
    if (k < 0 || keys[k] !== sorted[i]) {
      k++;
      keys[k] = sorted[i];
      counts[k] = 1;
    } else counts[k]++;
  }
  return { keys: keys.subarray(0, k + 1), counts: counts.subarray(0, k + 1) };
}
