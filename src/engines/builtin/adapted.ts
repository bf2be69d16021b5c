/**
 * A builtin model after continued training: the base table and the fine-tuning delta merged
 * the way Kneser–Ney merges counts (count merging, Bacchiani et al. 2006), with one back-off
 * chain for both. At every context length k both tables speak in proportion to the evidence
 * they hold for that context:
 *
 *   P(w | h_k) = Σ_t τ_t·(a_t(h_k, w) + γ_t(h_k)·P(w | h_{k−1})) / Σ_t τ_t·T_t(h_k),   P(w | h_{−1}) = 1/V
 *
 * with a_t the discounted KN count, γ_t the back-off mass and T_t the total of table t (a
 * table that has not seen h_k drops out of that level), τ_base = 1 and τ_delta chosen so that
 * at the unigram level the fine-tuning data holds the share λ (the learning-rate-like mixing
 * weight). So the fine-tuned model follows its data where the data has evidence and keeps the
 * base where it has none — unlike (1 − λ)·P_base + λ·P_delta, which hands λ of every
 * prediction to the delta's short-context guesses wherever it has not seen the long context.
 * And as both tables share the chain down to one merged unigram vector, a fine-tuned model
 * samples sparsely, in O(context tokens), like a base.
 */

import { FrozenTable, ROOT, type NgramTable } from './ngram.js';
import { TailOrder, type SparseDistribution } from './sampler.js';

/** A base with an optional delta and its weight λ in (0, 1). */
export class AdaptedTables {
  readonly tables: NgramTable[];
  /** τ per table: base 1, delta scaled to hold λ of the unigram level. */
  readonly tau: Float64Array;
  readonly vocabSize: number;
  private rootVector: Float64Array | undefined;
  private tailOrder: TailOrder | undefined;

  constructor(base: NgramTable, delta?: NgramTable, weight = 0) {
    const rootTotal = (t: NgramTable) => t.total(ROOT);
    const withDelta = delta !== undefined && weight > 0 && rootTotal(delta) > 0;
    this.tables = withDelta ? [base, delta] : [base];
    this.tau = withDelta ? Float64Array.of(1, ((weight / (1 - weight)) * rootTotal(base)) / rootTotal(delta)) : Float64Array.of(1);
    if (withDelta && !(weight < 1)) throw new Error(`mixing weight ${weight} must be below 1`);
    this.vocabSize = base.vocabSize;
  }

  /** P(w | root level) of the merged model for every w: the tail of every sparse distribution. */
  get root(): Float64Array {
    // A base alone keeps its own unigram vector, so its draws stay what they were before deltas merged.
    if (!this.rootVector && this.tables.length === 1 && this.tables[0] instanceof FrozenTable) this.rootVector = this.tables[0].rootDist;
    if (!this.rootVector) {
      const v = this.vocabSize;
      const r = new Float64Array(v);
      let z = 0;
      let gamma = 0;
      this.tables.forEach((t, i) => {
        const total = t.total(ROOT);
        if (total === 0) return;
        z += this.tau[i] * total;
        gamma += this.tau[i] * t.backoffMass(ROOT);
        for (let w = 0; w < v; w++) {
          const x = t.child(ROOT, w);
          const k = x >= 0 ? t.kn(x) : 0;
          if (k > 0) r[w] += this.tau[i] * Math.max(k - t.discount(1, k), 0);
        }
      });
      if (z === 0) r.fill(1 / v);
      else for (let w = 0; w < v; w++) r[w] = (r[w] + gamma / v) / z;
      this.rootVector = r;
    }
    return this.rootVector;
  }

  get tail(): TailOrder {
    return (this.tailOrder ??= new TailOrder(this.root));
  }

  /** A cursor at the root, or at the given table states. */
  cursor(states?: ArrayLike<number>): AdaptedCursor {
    const c = new AdaptedCursor(this);
    if (states) c.states.set(states);
    return c;
  }

  /** ln P(ids[i] | ids[0..i)) for i ≥ from; ids[0] must be BOS. */
  logProbs(ids: ArrayLike<number>, from: number): Float64Array {
    const out = new Float64Array(Math.max(0, ids.length - from));
    const c = this.cursor();
    if (ids.length > 0) c.advance(ids[0]);
    for (let i = 1; i < ids.length; i++) {
      const p = c.advance(ids[i]);
      if (i >= from) out[i - from] = Math.log(p);
    }
    return out;
  }
}

/**
 * A position in a token sequence under `AdaptedTables`: the longest context each table knows
 * (`states`), and the probability of a next token or the whole next-token distribution.
 * Starts at the root; `advance(BOS)` enters a sequence.
 */
export class AdaptedCursor {
  readonly states: Int32Array;
  /** chains[i][d]: table i's context of length d (its state and the state's suffixes). */
  private readonly chains: Int32Array[];
  private readonly depths: Int32Array;
  private readonly next: Int32Array;

  constructor(private readonly m: AdaptedTables) {
    const n = m.tables.length;
    this.states = new Int32Array(n).fill(ROOT);
    this.chains = m.tables.map((t) => new Int32Array(t.order + 1));
    this.depths = new Int32Array(n);
    this.next = new Int32Array(n);
  }

  private loadChains(): number {
    const { tables } = this.m;
    let top = 0;
    for (let i = 0; i < tables.length; i++) {
      const t = tables[i];
      const chain = this.chains[i];
      const d = t.depth(this.states[i]);
      this.depths[i] = d;
      for (let c = this.states[i], k = d; c >= 0; c = t.suffix(c), k--) chain[k] = c;
      if (d > top) top = d;
    }
    return top;
  }

  /** P(token | position), then moves past `token`. */
  advance(token: number): number {
    const { tables, tau } = this.m;
    const top = this.loadChains();
    this.next.fill(-1);
    let p = 1 / this.m.vocabSize;
    for (let d = 0; d <= top; d++) {
      let num = 0;
      let gamma = 0;
      let z = 0;
      for (let i = 0; i < tables.length; i++) {
        if (d > this.depths[i]) continue;
        const t = tables[i];
        const c = this.chains[i][d];
        const x = t.child(c, token);
        if (x >= 0) this.next[i] = x;
        const total = t.total(c);
        if (total === 0) continue;
        if (x >= 0) {
          const k = t.kn(x);
          if (k > 0) num += tau[i] * Math.max(k - t.discount(t.depth(x), k), 0);
        }
        gamma += tau[i] * t.backoffMass(c);
        z += tau[i] * total;
      }
      if (z > 0) p = (num + gamma * p) / z;
    }
    for (let i = 0; i < tables.length; i++) {
      const t = tables[i];
      const x = this.next[i];
      this.states[i] = x < 0 ? ROOT : t.depth(x) >= t.order ? t.suffix(x) : x;
    }
    return p;
  }

  /**
   * The next-token distribution as the tokens the contexts above the root predict (exact
   * probabilities) plus the merged root vector scaled by `d.tailScale`. Frozen tables only.
   */
  sparseDistribution(d: SparseDistribution): void {
    const tables = this.m.tables as FrozenTable[];
    const { tau } = this.m;
    const top = this.loadChains();
    d.clear();
    let s = 1;
    for (let depth = top; depth > 0; depth--) {
      let gamma = 0;
      let z = 0;
      for (let i = 0; i < tables.length; i++) {
        if (depth > this.depths[i]) continue;
        const c = this.chains[i][depth];
        const total = tables[i].total(c);
        if (total === 0) continue;
        gamma += tau[i] * tables[i].backoffMass(c);
        z += tau[i] * total;
      }
      if (z === 0) continue;
      for (let i = 0; i < tables.length; i++) {
        if (depth > this.depths[i]) continue;
        const c = this.chains[i][depth];
        if (tables[i].total(c) > 0) tables[i].addChildren(c, d, (s * tau[i]) / z);
      }
      s *= gamma / z;
    }
    d.tailScale = s;
    const root = this.m.root;
    for (let i = 0; i < d.size; i++) d.p[i] += s * root[d.ids[i]];
  }

  /** The whole next-token distribution into `out` (for top log-probs and ranks). */
  distribution(out: Float64Array, d: SparseDistribution): void {
    this.sparseDistribution(d);
    denseOf(d, this.m.root, out);
  }
}

/** A sparse distribution written out over the whole vocabulary. */
export function denseOf(d: SparseDistribution, root: Float64Array, out: Float64Array): void {
  for (let w = 0; w < out.length; w++) out[w] = d.tailScale * root[w];
  for (let i = 0; i < d.size; i++) out[d.ids[i]] = d.p[i];
}
