/**
 * Sentence BLEU exactly as sacrebleu 2.x computes it with its defaults for sentence-level use:
 * `BLEU(tokenize='13a', lowercase=False, smooth_method='exp', max_ngram_order=4,
 * effective_order=True)`; the result is on sacrebleu's 0–100 scale.
 */

// Python's str.split() whitespace (str.isspace), which differs from JS \s in a few code points.
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** sacrebleu's `13a` tokenizer (mteval-v13a.pl): the tokens of one segment. */
export function tokenize13a(segment: string): string[] {
  let line = segment.replace(/[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/, '');
  line = line
    .replaceAll('<skipped>', '')
    .replaceAll('-\n', '')
    .replaceAll('\n', ' ')
    .replaceAll('&quot;', '"')
    .replaceAll('&amp;', '&')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>');
  line = ` ${line} `
    // Punctuation and symbols in ASCII ranges { – ~, [ – `, space – &, ( – +, : – @, and /.
    .replace(/([{-~[-` -&(-+:-@/])/g, ' $1 ')
    // Period and comma unless preceded by a digit …
    .replace(/([^0-9])([.,])/g, '$1 $2 ')
    // … and unless followed by a digit.
    .replace(/([.,])([^0-9])/g, ' $1 $2')
    // Dash after a digit.
    .replace(/([0-9])(-)/g, '$1 $2 ');
  return line.split(PY_WHITESPACE).filter((t) => t !== '');
}

/** Counts of all n-grams of orders 1..maxOrder, keyed by order and the tokens joined with a space. */
export function ngramCounts(tokens: readonly string[], maxOrder: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = `${n}\u0000${tokens.slice(i, i + n).join(' ')}`;
      out.set(key, (out.get(key) ?? 0) + 1);
    }
  }
  return out;
}

/** The reference length closest to the hypothesis length; on a tie, the shorter one (sacrebleu and NLTK agree). */
export function closestRefLength(hypLen: number, refLens: readonly number[]): number {
  let best = -1;
  let bestDiff = Infinity;
  for (const len of refLens) {
    const diff = Math.abs(hypLen - len);
    if (diff < bestDiff || (diff === bestDiff && len < best)) {
      best = len;
      bestDiff = diff;
    }
  }
  return best;
}

/**
 * Sentence BLEU of one hypothesis against references (sacrebleu `sentence_score`): clipped
 * counts against the maximum count of each n-gram over the references, closest reference length.
 */
export function sacreSentenceBleu(hypothesis: readonly string[], references: readonly (readonly string[])[], maxOrder = 4): number {
  if (references.length === 0) throw new Error('sentence BLEU needs at least one reference');
  const refMax = new Map<string, number>();
  for (const ref of references) {
    for (const [key, c] of ngramCounts(ref, maxOrder)) if (c > (refMax.get(key) ?? 0)) refMax.set(key, c);
  }
  const refLen = closestRefLength(hypothesis.length, references.map((r) => r.length));
  return sacreBleuFromCounts(ngramCounts(hypothesis, maxOrder), (key) => refMax.get(key) ?? 0, hypothesis.length, refLen, maxOrder);
}

/**
 * sacrebleu `BLEU.compute_bleu` with exp smoothing and effective order: a zero n-gram match
 * count at order n gets precision 100 / (2^k · total_n) for the k-th such order; orders the
 * hypothesis is too short for are left out; no match at any order gives 0.
 */
export function sacreBleuFromCounts(
  hypCounts: ReadonlyMap<string, number>,
  refMax: (key: string) => number,
  sysLen: number,
  refLen: number,
  maxOrder = 4,
): number {
  const correct = new Array<number>(maxOrder).fill(0);
  const total = new Array<number>(maxOrder).fill(0);
  for (const [key, c] of hypCounts) {
    const n = Number(key.slice(0, key.indexOf('\u0000')));
    total[n - 1] += c;
    correct[n - 1] += Math.min(c, refMax(key));
  }
  if (!correct.some((c) => c > 0)) return 0;
  const bp = sysLen < refLen ? Math.exp(1 - refLen / sysLen) : 1;
  let smooth = 1;
  let order = 0;
  let logSum = 0;
  for (let n = 1; n <= maxOrder; n++) {
    if (total[n - 1] === 0) break;
    order = n;
    let p: number;
    if (correct[n - 1] === 0) {
      smooth *= 2;
      p = 100 / (smooth * total[n - 1]);
    } else p = (100 * correct[n - 1]) / total[n - 1];
    logSum += Math.log(p);
  }
  return bp * Math.exp(logSum / order);
}
