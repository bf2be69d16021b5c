/**
 * Temperature-then-top-p sampling over a whole vocabulary in O(context tokens): every builtin
 * next-token distribution (adapted.ts) is a few tokens its contexts predict plus one fixed
 * tail vector per model, scaled.
 */

/**
 * A next-token distribution split the way an interpolated n-gram model builds it: a few
 * tokens that get mass from the context (`ids[0..size)`, with their full probabilities `p`,
 * tail share included) and every other token w at `tailScale` · tail[w], where the tail is one
 * fixed vector per model (its unigram level) whose descending order `TailOrder` knows.
 */
export class SparseDistribution {
  readonly ids: Int32Array;
  readonly p: Float64Array;
  /** Slot + 1 of each token in `ids`, 0 for the others: the tail skips them in O(1). */
  readonly member: Int32Array;
  size = 0;
  tailScale = 0;
  // Scratch of sampleSparse, kept to avoid allocating per token.
  readonly q: Float64Array;
  readonly sorted: Float64Array;
  readonly massPrefix: Float64Array;
  readonly byRank: Int32Array;
  readonly rankPrefix: Float64Array;

  constructor(vocabSize: number) {
    this.ids = new Int32Array(vocabSize);
    this.p = new Float64Array(vocabSize);
    this.member = new Int32Array(vocabSize);
    this.q = new Float64Array(vocabSize);
    this.sorted = new Float64Array(vocabSize);
    this.massPrefix = new Float64Array(vocabSize + 1);
    this.byRank = new Int32Array(vocabSize);
    this.rankPrefix = new Float64Array(vocabSize + 1);
  }

  clear(): void {
    for (let i = 0; i < this.size; i++) this.member[this.ids[i]] = 0;
    this.size = 0;
    this.tailScale = 0;
  }

  /** Slot of token w, added with p = 0 if new. */
  slot(w: number): number {
    if (this.member[w]) return this.member[w] - 1;
    this.member[w] = this.size + 1;
    this.ids[this.size] = w;
    this.p[this.size] = 0;
    return this.size++;
  }
}

/** The tail vector sorted once per model, with prefix sums of its tempered values per temperature. */
export class TailOrder {
  /** Token ids by descending tail mass (ties by id). */
  readonly order: Int32Array;
  readonly rank: Int32Array;
  private readonly tempered = new Map<number, { pow: Float64Array; prefix: Float64Array }>();

  constructor(readonly tail: Float64Array) {
    this.order = Int32Array.from(tail.keys()).sort((a, b) => tail[b] - tail[a] || a - b);
    this.rank = new Int32Array(tail.length);
    this.order.forEach((w, k) => (this.rank[w] = k));
  }

  /** tail[w]^inv by token (`pow`) and Σ of the first k in rank order (`prefix[k]`). */
  temperedBy(inv: number): { pow: Float64Array; prefix: Float64Array } {
    let t = this.tempered.get(inv);
    if (!t) {
      const pow = this.tail.map((x) => temper(x, inv));
      const prefix = new Float64Array(pow.length + 1);
      for (let k = 0; k < pow.length; k++) prefix[k + 1] = prefix[k] + pow[this.order[k]];
      t = { pow, prefix };
      this.tempered.set(inv, t);
    }
    return t;
  }
}

/**
 * Temperature, then top-p, over the whole vocabulary of a sparse distribution: tempering and
 * the nucleus search touch only the context tokens; the tail enters through its presorted
 * prefix sums, found by binary search. Cost per token is O(m + c log c + log² V) for m context
 * tokens of which c lie above the nucleus floor, instead of O(V) powers and a sort.
 * `test/engine/sampler.test.ts` checks it against the straightforward sampler.
 */
export function sampleSparse(d: SparseDistribution, tail: TailOrder, temperature: number, topP: number, rand: () => number): number {
  const m = d.size;
  const v = tail.tail.length;
  const firstTailToken = (fromRank: number) => {
    for (let k = fromRank; k < v; k++) if (!d.member[tail.order[k]]) return k;
    return -1;
  };
  if (temperature <= 0) {
    // Greedy, ties to the smaller id as the dense argmax does.
    let best = -1;
    let bestP = -1;
    for (let i = 0; i < m; i++) {
      if (d.p[i] > bestP || (d.p[i] === bestP && d.ids[i] < best)) [best, bestP] = [d.ids[i], d.p[i]];
    }
    const k = firstTailToken(0);
    if (k >= 0) {
      const w = tail.order[k];
      const p = d.tailScale * tail.tail[w];
      // Equal tail masses are ranked by id, so the first tie in rank order has the smallest id.
      if (p > bestP || (p === bestP && w < best)) best = w;
    }
    return Math.max(best, 0);
  }
  const inv = 1 / temperature;
  const { pow, prefix } = tail.temperedBy(inv);
  const scale = temper(d.tailScale, inv);

  // Tempered context masses and the whole tempered mass Z, in O(m).
  const { q, sorted, massPrefix, byRank, rankPrefix } = d;
  let contextMass = 0;
  let contextTail = 0;
  for (let i = 0; i < m; i++) {
    q[i] = temper(d.p[i], inv);
    contextMass += q[i];
    contextTail += pow[d.ids[i]];
  }
  const z = contextMass + scale * (prefix[v] - contextTail);
  const tailValue = (k: number) => scale * pow[tail.order[k]];
  /** Number of tail ranks whose tempered value is ≥ t, among the first `hi`. */
  const ranksAtLeast = (t: number, hi = v) => {
    let lo = 0;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (tailValue(mid) >= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // Only tokens above a floor are sorted, and the nucleus threshold is never below it. Usually
  // the tokens above 0.1% or 0.01% of Z already hold topP·Z, which is checked in O(m); else the
  // floor below which all tokens together hold less than (1 − topP)·Z (half of it, for rounding).
  let floor = 0;
  if (topP < 1) {
    floor = (0.5 * (1 - topP) * z) / v;
    for (const f of [1e-3 * z, 1e-4 * z]) {
      const k = ranksAtLeast(f);
      let mass = scale * prefix[k];
      for (let i = 0; i < m; i++) {
        if (q[i] >= f) mass += q[i];
        if (tail.rank[d.ids[i]] < k) mass -= scale * pow[d.ids[i]];
      }
      if (mass >= topP * z * (1 + 1e-9)) {
        floor = f;
        break;
      }
    }
  }
  const tailAbove = ranksAtLeast(floor);

  // The context masses above the floor sorted descending with prefix sums, and the tail ranks
  // of context tokens above the floor's rank, sorted, with prefix sums of their tail values (to
  // take them out of the tail).
  let above = 0;
  let ranked = 0;
  for (let i = 0; i < m; i++) {
    if (q[i] >= floor && q[i] > 0) sorted[above++] = q[i];
    const r = tail.rank[d.ids[i]];
    if (r < tailAbove) byRank[ranked++] = r;
  }
  const desc = sorted.subarray(0, above);
  desc.sort().reverse();
  for (let i = 0; i < above; i++) massPrefix[i + 1] = massPrefix[i] + desc[i];
  const ranks = byRank.subarray(0, ranked);
  ranks.sort();
  for (let i = 0; i < ranked; i++) rankPrefix[i + 1] = rankPrefix[i] + pow[tail.order[ranks[i]]];

  /** Tempered tail mass of the tokens outside the context among the first k ≤ tailAbove ranks. */
  const tailMass = (k: number) => scale * (prefix[k] - rankPrefix[lowerBound(ranks, k)]);
  /** Number of context tokens whose tempered mass is ≥ t ≥ floor. */
  const sparseAtLeast = (t: number) => {
    let lo = 0;
    let hi = above;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (desc[mid] >= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  /** G(t) for t ≥ floor: all tempered mass on tokens whose tempered mass is ≥ t. */
  const massAtLeast = (t: number) => massPrefix[sparseAtLeast(t)] + tailMass(ranksAtLeast(t, tailAbove));

  let threshold = 0;
  if (topP < 1) {
    // The nucleus threshold is the largest token mass t with G(t) ≥ topP·Z (ties all join).
    const target = topP * z;
    let lo = 0;
    let hi = above;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (massAtLeast(desc[mid]) >= target) hi = mid;
      else lo = mid + 1;
    }
    if (lo < above) threshold = desc[lo];
    lo = 0;
    hi = tailAbove;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (massAtLeast(tailValue(mid)) >= target) hi = mid;
      else lo = mid + 1;
    }
    const k = firstTailToken(lo);
    if (k >= 0) threshold = Math.max(threshold, tailValue(k));
    // The threshold is never below the floor; should rounding hide the crossing, the floor is it.
    threshold = Math.max(threshold, floor);
  }

  const sparseIn = threshold > 0 ? sparseAtLeast(threshold) : above;
  const tailIn = threshold > 0 ? ranksAtLeast(threshold, tailAbove) : v;
  const u = rand() * (massPrefix[sparseIn] + tailMass(tailIn));
  if (u < massPrefix[sparseIn]) {
    // Context tokens in slot order, those in the nucleus only.
    let cum = 0;
    let last = -1;
    for (let i = 0; i < m; i++) {
      if (q[i] === 0 || q[i] < threshold) continue;
      cum += q[i];
      last = d.ids[i];
      if (cum > u) return last;
    }
    if (last >= 0) return last;
  }
  // The tail token where the cumulative mass passes u: the first rank k with tailMass(k+1) > rest.
  const rest = u - massPrefix[sparseIn];
  let lo = 0;
  let hi = tailIn - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tailMass(mid + 1) > rest) hi = mid;
    else lo = mid + 1;
  }
  const k = firstTailToken(lo);
  if (k >= 0 && k < tailIn) return tail.order[k];
  // Rounding at the very end of the mass: the last token that can be drawn.
  for (let j = tailIn - 1; j >= 0; j--) if (!d.member[tail.order[j]]) return tail.order[j];
  let best = 0;
  for (let i = 1; i < m; i++) if (q[i] > q[best]) best = i;
  return d.ids[best];
}

/** x^inv for x ≥ 0. exp(inv·ln x) is as exact (a few ulps) and twice as fast as Math.pow in V8. */
function temper(x: number, inv: number): number {
  return inv === 1 || x === 0 ? x : Math.exp(inv * Math.log(x));
}

/** First index i in sorted a with a[i] ≥ x. */
function lowerBound(a: Int32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
