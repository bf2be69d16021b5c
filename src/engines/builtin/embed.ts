/**
 * The builtin sentence embedding: a hashed TF-IDF vector, documented so results are
 * reproducible without any model download.
 *
 * Features of a text (DESIGN.md §6 word tokenizer: NFC, lower case, letter/number runs):
 *   - each word, weighted by its IDF in the model's pretraining passages;
 *   - each pair of adjacent words, weighted by half the mean IDF of the two;
 *   - each character trigram of " word " (with boundary spaces), weight 0.3 — so inflections
 *     and unseen words still share features.
 * Term frequency is sublinear (1 + ln tf). Each feature is hashed (FNV-1a, 32-bit) to one of
 * `EMBED_DIM` dimensions with a sign from a second hash, and the vector is L2-normalised.
 * An empty text (no words) embeds as the zero vector.
 */

export const EMBED_DIM = 384;

export interface IdfTable {
  docs: number;
  words: string[];
  df: number[];
}

const WORD = /\p{L}[\p{L}\p{M}]*|\p{N}+/gu;

export function words(text: string): string[] {
  return text.normalize('NFC').toLowerCase().match(WORD) ?? [];
}

const MAX_IDF_WORDS = 20_000;

export function documentFrequencies(texts: string[]): IdfTable {
  const df = new Map<string, number>();
  for (const t of texts) for (const w of new Set(words(t))) df.set(w, (df.get(w) ?? 0) + 1);
  const top = [...df].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_IDF_WORDS);
  return { docs: texts.length, words: top.map(([w]) => w), df: top.map(([, d]) => d) };
}

function fnv1a(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class HashedTfIdf {
  private readonly idf = new Map<string, number>();
  private readonly unseenIdf: number;

  constructor(table: IdfTable) {
    for (let i = 0; i < table.words.length; i++) this.idf.set(table.words[i], Math.log((1 + table.docs) / (1 + table.df[i])) + 1);
    this.unseenIdf = Math.log(1 + table.docs) + 1;
  }

  private idfOf(word: string): number {
    return this.idf.get(word) ?? this.unseenIdf;
  }

  embed(text: string): Float32Array {
    const ws = words(text);
    const features = new Map<string, { tf: number; weight: number }>();
    const add = (key: string, weight: number) => {
      const f = features.get(key);
      if (f) f.tf++;
      else features.set(key, { tf: 1, weight });
    };
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i];
      add(`w:${w}`, this.idfOf(w));
      if (i + 1 < ws.length) add(`b:${w} ${ws[i + 1]}`, 0.25 * (this.idfOf(w) + this.idfOf(ws[i + 1])));
      const padded = ` ${w} `;
      for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`, 0.3);
    }
    const v = new Float32Array(EMBED_DIM);
    for (const [key, { tf, weight }] of features) {
      const sign = fnv1a(key, 0x9e3779b9) & 1 ? 1 : -1;
      v[fnv1a(key, 0) % EMBED_DIM] += sign * (1 + Math.log(tf)) * weight;
    }
    let norm = 0;
    for (let i = 0; i < EMBED_DIM; i++) norm += v[i] * v[i];
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let i = 0; i < EMBED_DIM; i++) v[i] *= inv;
    }
    return v;
  }
}
