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
  for (let n = 2; n <= maxOrder; n++) {
    const table = new PairTable(total[n - 2]);
    let count = 0;
    for (let d = 0; d < docs.length; d++) {
      const prev = ids[d][n - 2];
      const uni = unigrams[d];
      const len = Math.max(0, uni.length - n + 1);
      const out = new Int32Array(len);
      for (let i = 0; i < len; i++) out[i] = table.intern(prev[i], uni[i + n - 1]);
      count += len;
      ids[d].push(out);
    }
    distinct.push(table.size);
    total.push(count);
  }
  return { maxOrder, ids, distinct, total };
}

/**
 * Open-addressing hash table from a pair of non-negative int32s (prefix id, token id) to a
 * dense id. Typed arrays instead of a Map keep millions of n-grams cheap to intern.
 */
class PairTable {
  private keysA: Int32Array;
  private keysB: Int32Array;
  private values: Int32Array;
  private mask: number;
  size = 0;

  constructor(expected: number) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.keysA = new Int32Array(cap).fill(-1);
    this.keysB = new Int32Array(cap);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
  }

  intern(a: number, b: number): number {
    let slot = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
    slot = (slot ^ (slot >>> 15)) & this.mask;
    for (;;) {
      const ka = this.keysA[slot];
      if (ka === -1) {
        this.keysA[slot] = a;
        this.keysB[slot] = b;
        this.values[slot] = this.size;
        return this.size++;
      }
      if (ka === a && this.keysB[slot] === b) return this.values[slot];
      slot = (slot + 1) & this.mask;
    }
  }
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
