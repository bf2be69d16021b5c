/**
 * Which way a measure is better, said beside every chart and number of it, with the reason
 * where it is not obvious (a lower Self-BLEU is the more diverse one).
 */
export type Better = 'higher' | 'lower' | 'zero' | 'neither';

export interface Direction {
  better: Better;
  /** Why, where a reader could take it the other way. */
  why?: string;
}

const WORDS: Record<Better, [unicode: string, ascii: string]> = {
  higher: ['↑ better', 'higher better'],
  lower: ['↓ better', 'lower better'],
  zero: ['0 best', 'nearest 0 best'],
  neither: ['no better way', 'no better way'],
};

/** "↓ better: answers less alike" ("lower better: …" in ASCII), then without the reason for a narrow axis. */
export function directionText(d: Direction, ascii = false): string[] {
  const word = WORDS[d.better][ascii ? 1 : 0];
  return d.why ? [`${word}: ${d.why}`, word] : [word];
}
