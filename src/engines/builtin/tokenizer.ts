/**
 * Lossless tokenizers for the builtin families. Both split text with a GPT-2-style
 * pre-tokenizer (a word keeps its leading space) and fall back to raw bytes, so every string
 * round-trips. Ids 0 and 1 are BOS/EOS, 2..257 the 256 bytes, then the learned tokens:
 *   - `word`: the K most frequent pre-tokens of the family's corpus as whole tokens;
 *   - `bpe`: byte-level BPE merges learned on the family's corpus.
 */

export const BOS = 0;
export const EOS = 1;
const BYTE_BASE = 2;
const FIRST_LEARNED = BYTE_BASE + 256;

const PRETOKEN = /'(?:s|t|re|ve|m|ll|d)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export function pretokenize(text: string): string[] {
  return text.match(PRETOKEN) ?? [];
}

export type TokenizerSpec = { kind: 'word'; words: string[] } | { kind: 'bpe'; merges: number[] };

import { runToEnd, type Pausable } from '../../util/yield.js';

const utf8 = new TextEncoder();

export class Tokenizer {
  /** The UTF-8 bytes of each token (empty for BOS/EOS). */
  private readonly bytes: Uint8Array[] = [];
  /** tokenString's answers, filled on first use: scoring over HTTP names every token it scores. */
  private readonly strings: string[] = [];
  private readonly decoder = new TextDecoder();
  private readonly wordIds = new Map<string, number>();
  /** BPE: pair key (a * 2^16 + b) → merge rank; the merged id is FIRST_LEARNED + rank. */
  private readonly mergeRank = new Map<number, number>();
  private readonly cache = new Map<string, number[]>();

  constructor(readonly spec: TokenizerSpec) {
    this.bytes.push(new Uint8Array(0), new Uint8Array(0));
    for (let b = 0; b < 256; b++) this.bytes.push(Uint8Array.of(b));
    if (spec.kind === 'word') {
      for (const w of spec.words) {
        this.wordIds.set(w, this.bytes.length);
        this.bytes.push(utf8.encode(w));
      }
    } else {
      for (let r = 0; r < spec.merges.length / 2; r++) {
        const a = spec.merges[2 * r];
        const b = spec.merges[2 * r + 1];
        this.mergeRank.set(a * 65536 + b, r);
        const merged = new Uint8Array(this.bytes[a].length + this.bytes[b].length);
        merged.set(this.bytes[a]);
        merged.set(this.bytes[b], this.bytes[a].length);
        this.bytes.push(merged);
      }
    }
  }

  get vocabSize(): number {
    return this.bytes.length;
  }

  get name(): string {
    return this.spec.kind === 'word' ? `word-${this.wordIds.size}` : `bpe-${this.mergeRank.size}`;
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const piece of pretokenize(text)) {
      let ids = this.cache.get(piece);
      if (!ids) {
        ids = this.encodePiece(piece);
        if (this.cache.size < 200_000) this.cache.set(piece, ids);
      }
      for (const id of ids) out.push(id);
    }
    return out;
  }

  private encodePiece(piece: string): number[] {
    const whole = this.wordIds.get(piece);
    if (whole !== undefined) return [whole];
    const ids = Array.from(utf8.encode(piece), (b) => b + BYTE_BASE);
    if (this.mergeRank.size === 0) return ids;
    // Apply the lowest-ranked applicable merge until none applies (standard BPE encoding).
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < ids.length; i++) {
        const r = this.mergeRank.get(ids[i] * 65536 + ids[i + 1]);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) return ids;
      ids.splice(best, 2, FIRST_LEARNED + bestRank);
    }
  }

  decode(ids: ArrayLike<number>): string {
    return this.decoder.decode(this.concatBytes(ids));
  }

  /** A streaming decoder: feed ids one at a time, get the text completed so far. */
  streamDecoder(): (id: number) => string {
    const dec = new TextDecoder();
    return (id) => dec.decode(this.bytes[id], { stream: true });
  }

  tokenString(id: number): string {
    if (id === BOS) return '<bos>';
    if (id === EOS) return '<eos>';
    return (this.strings[id] ??= this.decoder.decode(this.bytes[id]));
  }

  tokenByteLength(id: number): number {
    return this.bytes[id].length;
  }

  /** The UTF-8 bytes of one token (a BPE token may hold part of a character). */
  tokenBytes(id: number): Uint8Array {
    return this.bytes[id];
  }

  private concatBytes(ids: ArrayLike<number>): Uint8Array {
    let n = 0;
    for (let i = 0; i < ids.length; i++) n += this.bytes[ids[i]].length;
    const out = new Uint8Array(n);
    let o = 0;
    for (let i = 0; i < ids.length; i++) {
      out.set(this.bytes[ids[i]], o);
      o += this.bytes[ids[i]].length;
    }
    return out;
  }
}

/** Frequencies of pre-tokens in a corpus. */
export function pretokenCounts(texts: Iterable<string>): Map<string, number> {
  return runToEnd(countPretokens(texts));
}

/** pretokenCounts, pausing after every text. */
export function* countPretokens(texts: Iterable<string>): Pausable<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const t of texts) {
    for (const p of pretokenize(t)) counts.set(p, (counts.get(p) ?? 0) + 1);
    yield;
  }
  return counts;
}

function byFrequency(counts: Map<string, number>): [string, number][] {
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * The `vocabWords` most frequent words, each in both forms — with its leading space (inside a
 * sentence) and without (after a newline, at the start of a text) — so neither position falls
 * back to bytes. Single bytes are tokens already.
 */
export function trainWordTokenizer(counts: Map<string, number>, vocabWords: number): Tokenizer {
  return runToEnd(learnWords(counts, vocabWords));
}

/** trainWordTokenizer, pausing every few thousand pre-tokens. */
export function* learnWords(counts: Map<string, number>, vocabWords: number): Pausable<Tokenizer> {
  const merged = new Map<string, number>();
  let seen = 0;
  for (const [piece, c] of counts) {
    if (++seen % 4096 === 0) yield;
    const bare = piece.startsWith(' ') ? piece.slice(1) : piece;
    if (/^\p{L}+$/u.test(bare) || /^\p{N}+$/u.test(bare)) merged.set(bare, (merged.get(bare) ?? 0) + c);
    else if (utf8.encode(piece).length > 1) merged.set(piece, (merged.get(piece) ?? 0) + c);
  }
  const words = byFrequency(merged)
    .slice(0, vocabWords)
    .flatMap(([w]) => (/^[\p{L}\p{N}]/u.test(w) ? [w, ` ${w}`] : [w]))
    .filter((w) => utf8.encode(w).length > 1);
  return new Tokenizer({ kind: 'word', words });
}

/**
 * Learn `numMerges` byte-level BPE merges from pre-token frequencies (the most frequent
 * `maxWords` pre-tokens suffice). Pair counts are updated incrementally, only for the words a
 * merge touches; ties break on the smaller pair key so training is deterministic.
 */
export function trainBpeTokenizer(counts: Map<string, number>, numMerges: number, maxWords = 30_000): Tokenizer {
  return runToEnd(learnBpe(counts, numMerges, maxWords));
}

/** trainBpeTokenizer, pausing after every merge. */
export function* learnBpe(counts: Map<string, number>, numMerges: number, maxWords = 30_000): Pausable<Tokenizer> {
  const entries = byFrequency(counts).slice(0, maxWords);
  const words = entries.map(([w]) => Array.from(utf8.encode(w), (b) => b + BYTE_BASE));
  const freq = entries.map(([, f]) => f);
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (wi: number, sign: 1 | -1) => {
    const w = words[wi];
    for (let i = 0; i + 1 < w.length; i++) {
      const key = w[i] * 65536 + w[i + 1];
      pairCount.set(key, (pairCount.get(key) ?? 0) + sign * freq[wi]);
      if (sign > 0) {
        let set = pairWords.get(key);
        if (!set) pairWords.set(key, (set = new Set()));
        set.add(wi);
      }
    }
  };
  for (let wi = 0; wi < words.length; wi++) addPairs(wi, 1);

  const merges: number[] = [];
  for (let r = 0; r < numMerges; r++) {
    yield;
    let best = -1;
    let bestCount = 1; // a pair seen once is not worth a token
    for (const [key, c] of pairCount) {
      if (c > bestCount || (c === bestCount && best >= 0 && key < best)) {
        best = key;
        bestCount = c;
      }
    }
    if (best < 0) break;
    const a = Math.floor(best / 65536);
    const b = best % 65536;
    const id = FIRST_LEARNED + r;
    merges.push(a, b);
    for (const wi of pairWords.get(best) ?? []) {
      const w = words[wi];
      addPairs(wi, -1);
      const merged: number[] = [];
      for (let i = 0; i < w.length; i++) {
        if (i + 1 < w.length && w[i] === a && w[i + 1] === b) {
          merged.push(id);
          i++;
        } else merged.push(w[i]);
      }
      words[wi] = merged;
      addPairs(wi, 1);
    }
    pairCount.delete(best);
    pairWords.delete(best);
  }
  return new Tokenizer({ kind: 'bpe', merges });
}
