/**
 * The default word tokenizer (DESIGN.md §6) for TTR, distinct-n, MATTR, MTLD, Heaps and
 * cross-response Self-BLEU: NFC-normalised, lower-cased (locale-independent `toLowerCase`),
 * letters followed by letters or combining marks, or runs of digits. Punctuation, emoji and
 * whitespace are not tokens. CJK text without spaces comes out as one token per run of letters.
 */
export function wordTokens(text: string): string[] {
  return text.normalize('NFC').toLowerCase().match(/\p{L}[\p{L}\p{M}]*|\p{N}+/gu) ?? [];
}
