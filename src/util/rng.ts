/**
 * Seeded pseudo-random numbers. Every random choice in baskets takes a seed that is recorded
 * in the session (DESIGN.md §7), so all randomness flows through this one generator.
 */

/** mulberry32: tiny, fast, and good enough for sampling and bootstrap resampling. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derive a child seed from a parent seed and a label, so independent streams never collide. */
export function deriveSeed(seed: number, label: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Fisher–Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** A seeded sample of k distinct items (all of them, in seeded order, when k ≥ length). */
export function sample<T>(items: readonly T[], k: number, rand: () => number): T[] {
  return shuffled(items, rand).slice(0, Math.max(0, k));
}
