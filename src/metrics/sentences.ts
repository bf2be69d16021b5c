/**
 * Sentences of a response for the paper's within-response Self-BLEU. The paper splits with
 * NLTK's Punkt `sent_tokenize`; this is a rule-based stand-in with the same main behaviour:
 * a sentence ends at `.`, `!` or `?` (optionally followed by straight closing quotes, brackets
 * or `*`/`_`) before whitespace, except after a known abbreviation or a single-letter initial,
 * or at an ellipsis before a lowercase word. Newlines alone do not end a sentence (Punkt treats
 * them as spaces). Then the paper's own filters apply.
 */

const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'vs', 'etc', 'e.g', 'i.e', 'cf', 'al',
  'inc', 'ltd', 'co', 'corp', 'no', 'fig', 'approx', 'dept', 'est', 'gen', 'gov', 'mt', 'u.s',
  'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec',
]);

// Straight closing quotes, brackets and markdown emphasis may follow the end mark. Curly
// quotes may not: NLTK 3.8's Punkt knows only straight ones, so an end mark before ” is no
// boundary there ("“Done?” he asked." stays one sentence), and the paper's numbers come from it.
const BOUNDARY = /[.!?]+["')\]*_]*(?=\s)/g;
// Punkt reads a run of two or more periods as an ellipsis, which ends a sentence only when its
// orthographic heuristic says the next word starts one: never when that word is lowercase.
const ELLIPSIS = /\.{2,}$/;
const LOWERCASE_NEXT = /\s+\p{Ll}/uy;

function lowercaseWordAt(text: string, index: number): boolean {
  LOWERCASE_NEXT.lastIndex = index;
  return LOWERCASE_NEXT.test(text);
}

/** Split text into sentences (see the module comment for the rules). */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (const m of text.matchAll(BOUNDARY)) {
    const end = m.index + m[0].length;
    const marks = /^[.!?]+/.exec(m[0])![0];
    if (ELLIPSIS.test(marks) && lowercaseWordAt(text, end)) continue;
    if (m[0][0] === '.') {
      const word = /([\p{L}.]+)$/u.exec(text.slice(start, m.index))?.[1].toLowerCase() ?? '';
      if (ABBREVIATIONS.has(word) || /^\p{L}$/u.test(word)) continue;
    }
    const sentence = text.slice(start, end).trim();
    if (sentence) out.push(sentence);
    start = end;
  }
  const rest = text.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

/** The paper's markdown clean-up: `#` runs, `**` and `*` removed, then trimmed. */
export function removeMarkdown(text: string): string {
  return text.replace(/#+/g, '').replace(/\*\*/g, '').replace(/\*/g, '').trim();
}

/**
 * The paper's sentence filter: markdown removed, then only sentences of at least 4
 * whitespace-separated words are kept. (The paper also drops empty sentences, bare list
 * markers such as "1." and strings under 3 characters; all of those have fewer than 4 words.)
 */
export function paperSentences(response: string): string[] {
  return splitSentences(response)
    .map(removeMarkdown)
    .filter((s) => s.split(/\s+/).filter(Boolean).length >= 4);
}
