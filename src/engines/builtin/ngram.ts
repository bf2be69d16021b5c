/**
 * Interpolated modified Kneser–Ney n-gram tables over integer token ids.
 *
 * Every observed n-gram (n ≤ order) is a node of a forward trie; a node is also the context
 * for its children. The KN count of a node is its raw count at the top order (and for n-grams
 * starting with BOS, which have no left context), else its continuation count: the number of
 * distinct tokens seen before it. Suffix links (t1..tk → t2..tk) give the lower-order contexts
 * in O(1), so scoring a token walks at most `order` contexts (adapted.ts scores and samples).
 *
 *   P(w | c) = (max(kn(c·w) − D(kn), 0) + γ(c) · P(w | suffix(c))) / T(c),   P(w | ∅-suffix) = 1/V
 *
 * with T(c) the sum of its children's KN counts, γ(c) = D1·N1(c) + D2·N2(c) + D3+·N3+(c) and the
 * discounts D1, D2, D3+ of each order from its count-of-counts (Chen & Goodman 1998).
 *
 * `GrowingTable` counts incrementally (pretraining, and fine-tuning deltas that grow batch by
 * batch); `FrozenTable` is its compact form (CSR arrays, binary-searched children) for the
 * disk cache and for fast generation.
 */

import type { SparseDistribution } from './sampler.js';
import { BOS } from './tokenizer.js';
import { runCooperatively, runToEnd, type Pausable } from '../../util/yield.js';

export interface NgramTable {
  readonly order: number;
  readonly vocabSize: number;
  child(node: number, token: number): number;
  kn(node: number): number;
  total(node: number): number;
  /** γ(c): the probability mass, in counts, that context `node` hands to its suffix. */
  backoffMass(node: number): number;
  suffix(node: number): number;
  depth(node: number): number;
  discount(order: number, count: number): number;
}

export const ROOT = 0;

/** Modified-KN discounts for one order from its counts-of-counts n1..n4 (fallbacks when sparse). */
export function discountsFrom(n1: number, n2: number, n3: number, n4: number): [number, number, number] {
  const fallback: [number, number, number] = [0.5, 1, 1.5];
  if (n1 === 0 || n2 === 0) return fallback;
  const y = n1 / (n1 + 2 * n2);
  const raw = [1 - (2 * y * n2) / n1, 2 - (3 * y * n3) / n2, n3 > 0 ? 3 - (4 * y * n4) / n3 : fallback[2]];
  // Keep every discount positive (unseen tokens must keep mass) and ≤ j so probabilities sum to 1.
  return raw.map((d, j) => (Number.isFinite(d) ? Math.min(j + 1, Math.max(0.1, d)) : fallback[j])) as [number, number, number];
}

/** Grow an Int32Array to at least `n` elements. */
function grow(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Int32Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

export class GrowingTable implements NgramTable {
  private parentOf = new Int32Array(1024);
  private tokenOf = new Int32Array(1024);
  private depthOf = new Int32Array(1024);
  private suffixOf = new Int32Array(1024);
  private raw = new Int32Array(1024);
  private knOf = new Int32Array(1024);
  private totalOf = new Int32Array(1024);
  private n1 = new Int32Array(1024);
  private n2 = new Int32Array(1024);
  private n3 = new Int32Array(1024);
  private bosStart = new Int32Array(1024);
  private readonly children = new Map<number, number>();
  /** counts-of-counts: coc[order * 5 + c] for c in 1..4. */
  private readonly coc: Float64Array;
  private readonly disc: Float64Array;
  private discDirty = true;
  nodeCount = 1;
  /** Tokens whose probability the table has learned (predicted positions). */
  tokensCounted = 0;

  constructor(
    readonly order: number,
    readonly vocabSize: number,
  ) {
    this.suffixOf[ROOT] = -1;
    this.parentOf[ROOT] = -1;
    this.coc = new Float64Array((order + 1) * 5);
    this.disc = new Float64Array((order + 1) * 3);
  }

  child(node: number, token: number): number {
    return this.children.get(node * this.vocabSize + token) ?? -1;
  }
  kn(node: number): number {
    return this.knOf[node];
  }
  total(node: number): number {
    return this.totalOf[node];
  }
  suffix(node: number): number {
    return this.suffixOf[node];
  }
  depth(node: number): number {
    return this.depthOf[node];
  }
  parent(node: number): number {
    return this.parentOf[node];
  }
  token(node: number): number {
    return this.tokenOf[node];
  }
  backoffMass(node: number): number {
    const d = this.depthOf[node] + 1;
    return this.discount(d, 1) * this.n1[node] + this.discount(d, 2) * this.n2[node] + this.discount(d, 3) * this.n3[node];
  }
  discount(order: number, count: number): number {
    if (this.discDirty) {
      for (let o = 1; o <= this.order; o++) {
        const b = o * 5;
        const d = discountsFrom(this.coc[b + 1], this.coc[b + 2], this.coc[b + 3], this.coc[b + 4]);
        this.disc.set(d, o * 3);
      }
      this.discDirty = false;
    }
    return this.disc[order * 3 + Math.min(count, 3) - 1];
  }

  private childOrCreate(parent: number, token: number, suffix: number): number {
    const key = parent * this.vocabSize + token;
    const found = this.children.get(key);
    if (found !== undefined) return found;
    const id = this.nodeCount++;
    if (id >= this.parentOf.length) {
      const n = id + 1;
      this.parentOf = grow(this.parentOf, n);
      this.tokenOf = grow(this.tokenOf, n);
      this.depthOf = grow(this.depthOf, n);
      this.suffixOf = grow(this.suffixOf, n);
      this.raw = grow(this.raw, n);
      this.knOf = grow(this.knOf, n);
      this.totalOf = grow(this.totalOf, n);
      this.n1 = grow(this.n1, n);
      this.n2 = grow(this.n2, n);
      this.n3 = grow(this.n3, n);
      this.bosStart = grow(this.bosStart, n);
    }
    this.parentOf[id] = parent;
    this.tokenOf[id] = token;
    this.depthOf[id] = this.depthOf[parent] + 1;
    this.suffixOf[id] = suffix;
    this.bosStart[id] = parent === ROOT ? (token === BOS ? 1 : 0) : this.bosStart[parent];
    this.children.set(key, id);
    return id;
  }

  private bumpKn(x: number): void {
    const c = this.knOf[x]++;
    const p = this.parentOf[x];
    this.totalOf[p]++;
    if (c === 0) this.n1[p]++;
    else if (c === 1) {
      this.n1[p]--;
      this.n2[p]++;
    } else if (c === 2) {
      this.n2[p]--;
      this.n3[p]++;
    }
    const b = this.depthOf[x] * 5;
    if (c >= 1 && c <= 4) this.coc[b + c]--;
    if (c + 1 <= 4) this.coc[b + c + 1]++;
    this.discDirty = true;
  }

  /**
   * Count the n-grams of `ids` (which starts with BOS) that predict positions ≥ `from`; the
   * tokens before `from` are context only (a prompt), as in supervised fine-tuning.
   */
  addSequence(ids: ArrayLike<number>, from = 1): void {
    const n = this.order;
    const prev = new Int32Array(n + 1);
    const cur = new Int32Array(n + 1);
    let prevLen = 0; // grams ending at i−1 that exist: prev[1..prevLen]
    for (let i = Math.max(0, from - n + 1); i < ids.length; i++) {
      const counted = i >= from && i > 0;
      const tok = ids[i];
      const maxK = Math.min(n, prevLen + 1);
      let below = ROOT;
      for (let k = 1; k <= maxK; k++) {
        const parent = k === 1 ? ROOT : prev[k - 1];
        const x = this.childOrCreate(parent, tok, k === 1 ? ROOT : below);
        cur[k] = x;
        if (counted) {
          const r = this.raw[x]++;
          if (k === n || this.bosStart[x]) this.bumpKn(x);
          if (r === 0 && k >= 2 && !this.bosStart[below]) this.bumpKn(below);
        }
        below = x;
      }
      if (counted) this.tokensCounted++;
      prevLen = Math.min(maxK, n - 1);
      prev.set(cur.subarray(0, prevLen + 1));
    }
  }

  freeze(): FrozenTable {
    return FrozenTable.fromGrowing(this);
  }

  /** freeze(), a slice at a time so the event loop (and a cancel) keeps its turn. */
  async freezeCooperatively(signal?: AbortSignal): Promise<FrozenTable> {
    return FrozenTable.open(this.order, this.vocabSize, await runCooperatively(frozenArraysOf(this), signal), signal);
  }
}

export interface FrozenArrays {
  token: Int32Array;
  kn: Int32Array;
  childStart: Int32Array;
}

export class FrozenTable implements NgramTable {
  readonly token: Int32Array;
  readonly knOf: Int32Array;
  readonly childStart: Int32Array;
  private readonly suffixOf: Int32Array;
  private readonly depthOf: Uint8Array;
  private readonly totalOf: Float64Array;
  private readonly gamma: Float64Array;
  private readonly disc: Float64Array;
  /** P(w | root context), the unigram level with its uniform floor: the tail of sparse distributions. */
  readonly rootDist: Float64Array;

  constructor(
    readonly order: number,
    readonly vocabSize: number,
    arrays: FrozenArrays,
    derived: DerivedArrays = runToEnd(deriveArrays(order, vocabSize, arrays)),
  ) {
    this.token = arrays.token;
    this.knOf = arrays.kn;
    this.childStart = arrays.childStart;
    ({ suffixOf: this.suffixOf, depthOf: this.depthOf, totalOf: this.totalOf, gamma: this.gamma, disc: this.disc, rootDist: this.rootDist } = derived);
  }

  /** The table of `arrays`, built a slice at a time so the event loop (and a cancel) keeps its turn. */
  static async open(order: number, vocabSize: number, arrays: FrozenArrays, signal?: AbortSignal): Promise<FrozenTable> {
    return new FrozenTable(order, vocabSize, arrays, await runCooperatively(deriveArrays(order, vocabSize, arrays), signal));
  }

  get nodeCount(): number {
    return this.token.length;
  }

  child(node: number, token: number): number {
    return childIn(this, node, token);
  }
  kn(node: number): number {
    return this.knOf[node];
  }
  total(node: number): number {
    return this.totalOf[node];
  }
  backoffMass(node: number): number {
    return this.gamma[node];
  }
  suffix(node: number): number {
    return this.suffixOf[node];
  }
  depth(node: number): number {
    return this.depthOf[node];
  }
  discount(order: number, count: number): number {
    return this.disc[order * 3 + Math.min(count, 3) - 1];
  }

  /** d.p[w] += scale · max(kn(c·w) − D, 0) for every child w of context `c`. */
  addChildren(c: number, d: SparseDistribution, scale: number): void {
    const o = this.depthOf[c] + 1;
    for (let x = this.childStart[c]; x < this.childStart[c + 1]; x++) {
      const k = this.knOf[x];
      if (k > 0) d.p[d.slot(this.token[x])] += scale * Math.max(k - this.discount(o, k), 0);
    }
  }

  /** The compact form of a growing table (see frozenArraysOf). */
  static fromGrowing(g: GrowingTable): FrozenTable {
    return new FrozenTable(g.order, g.vocabSize, runToEnd(frozenArraysOf(g)));
  }
}

/** How many nodes a table-building loop handles between pauses. */
const NODES_PER_PAUSE = 1 << 14;

/** The child of `node` for `token` (binary search among its sorted children), or −1. */
function childIn(arrays: { token: Int32Array; childStart: Int32Array }, node: number, token: number): number {
  let lo = arrays.childStart[node];
  let hi = arrays.childStart[node + 1] - 1;
  const tok = arrays.token;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = tok[mid];
    if (v < token) lo = mid + 1;
    else if (v > token) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/** What a FrozenTable computes from its CSR arrays: suffix links, depths, totals, backoff masses, discounts. */
interface DerivedArrays {
  suffixOf: Int32Array;
  depthOf: Uint8Array;
  totalOf: Float64Array;
  gamma: Float64Array;
  disc: Float64Array;
  rootDist: Float64Array;
}

function* deriveArrays(order: number, vocabSize: number, arrays: FrozenArrays): Pausable<DerivedArrays> {
  const { token, kn: knOf, childStart } = arrays;
  const nodes = token.length;
  const suffixOf = new Int32Array(nodes);
  const depthOf = new Uint8Array(nodes);
  const totalOf = new Float64Array(nodes);
  const gamma = new Float64Array(nodes);
  const coc = new Float64Array((order + 1) * 5);
  const buckets = new Int32Array(nodes * 3);
  suffixOf[ROOT] = -1;
  // Nodes are in breadth-first order, so a parent is always processed before its children.
  for (let p = 0; p < nodes; p++) {
    if (p % NODES_PER_PAUSE === 0) yield;
    for (let x = childStart[p]; x < childStart[p + 1]; x++) {
      depthOf[x] = depthOf[p] + 1;
      suffixOf[x] = p === ROOT ? ROOT : childIn(arrays, suffixOf[p], token[x]);
      const k = knOf[x];
      totalOf[p] += k;
      if (k >= 1) buckets[p * 3 + Math.min(k, 3) - 1]++;
      if (k >= 1 && k <= 4) coc[depthOf[x] * 5 + k]++;
    }
  }
  const disc = new Float64Array((order + 1) * 3);
  for (let o = 1; o <= order; o++) disc.set(discountsFrom(coc[o * 5 + 1], coc[o * 5 + 2], coc[o * 5 + 3], coc[o * 5 + 4]), o * 3);
  for (let p = 0; p < nodes; p++) {
    if (p % NODES_PER_PAUSE === 0) yield;
    const o = (depthOf[p] + 1) * 3;
    if (o / 3 > order) continue;
    gamma[p] = disc[o] * buckets[p * 3] + disc[o + 1] * buckets[p * 3 + 1] + disc[o + 2] * buckets[p * 3 + 2];
  }
  const rootDist = new Float64Array(vocabSize).fill(1 / vocabSize);
  const t = totalOf[ROOT];
  if (t > 0) {
    const g = gamma[ROOT] / t;
    for (let w = 0; w < vocabSize; w++) rootDist[w] *= g;
    for (let x = childStart[ROOT]; x < childStart[ROOT + 1]; x++) {
      const k = knOf[x];
      if (k > 0) rootDist[token[x]] += Math.max(k - disc[3 + Math.min(k, 3) - 1], 0) / t;
    }
  }
  return { suffixOf, depthOf, totalOf, gamma, disc, rootDist };
}

/** The trie's children in breadth-first order, each parent's children sorted by token. */
function* frozenArraysOf(g: GrowingTable): Pausable<FrozenArrays> {
  const nodes = g.nodeCount;
  const childCount = new Int32Array(nodes + 1);
  for (let x = 1; x < nodes; x++) childCount[g.parent(x)]++;
  const offset = new Int32Array(nodes + 1);
  for (let p = 0; p < nodes; p++) offset[p + 1] = offset[p] + childCount[p];
  const byParent = new Int32Array(nodes);
  const fill = offset.slice();
  for (let x = 1; x < nodes; x++) byParent[fill[g.parent(x)]++] = x;
  yield;
  const order = new Int32Array(nodes);
  let head = 0;
  let tail = 1;
  order[0] = ROOT;
  const childStart = new Int32Array(nodes + 1);
  while (head < tail) {
    if (head % NODES_PER_PAUSE === 0) yield;
    const p = order[head];
    childStart[head] = tail;
    const kids = Array.from(byParent.subarray(offset[p], offset[p + 1])).sort((a, b) => g.token(a) - g.token(b));
    for (const x of kids) order[tail++] = x;
    head++;
  }
  childStart[nodes] = tail;
  const token = new Int32Array(nodes);
  const kn = new Int32Array(nodes);
  for (let i = 0; i < nodes; i++) {
    token[i] = i === 0 ? -1 : g.token(order[i]);
    kn[i] = g.kn(order[i]);
  }
  return { token, kn, childStart };
}
