/**
 * What every metric and abbreviation the TUI shows means, in a line or two each, for the help
 * screen. Definitions follow DESIGN.md's metric conventions, and say which way is better.
 */
export interface GlossaryEntry {
  term: string;
  /** The term where --ascii shows it otherwise (the marks Numbers prints in ASCII). */
  asciiTerm?: string;
  text: string;
}

export const GLOSSARY: readonly GlossaryEntry[] = [
  { term: 'perplexity', text: "mean perplexity of a model on the human test responses (response tokens only, given the chat-formatted instruction); the paper's measure. Lower is better: the model kept more of the human distribution." },
  { term: 'corpus perplexity', text: 'perplexity over all test tokens pooled (token-weighted) rather than per response. Lower is better.' },
  { term: 'bits per byte', text: 'cross-entropy per UTF-8 byte of the test text: perplexity comparable across tokenizers. Lower is better.' },
  { term: 'lexical diversity', text: "the paper's 100 − Self-BLEU: BLEU-4 between the sentences within one response, averaged over a seeded sample of 500 responses. Higher is better (more diverse)." },
  { term: 'Self-BLEU', text: 'BLEU of a text against others like it: how much they repeat each other. Lower is better (less alike).' },
  { term: 'cross-response Self-BLEU', text: 'BLEU-4 of each response against all the others (NLTK method1 smoothing, sampled above a cap). Lower is better: the answers are less alike.' },
  { term: 'TTR', text: 'type-token ratio: distinct words / words. Higher is better; falls with length, so compare texts of like length.' },
  { term: 'distinct-n', text: 'unique n-grams / all n-grams (n = 1..4), taken within each answer and pooled. Higher is better.' },
  { term: 'MATTR', text: 'moving-average TTR over windows of 50 words: TTR without the length effect. Higher is better.' },
  { term: 'MTLD', text: 'measure of textual lexical diversity: the mean run of words before the running TTR falls to 0.72, forward and backward averaged. Higher is better.' },
  { term: 'compression ratio', text: 'bytes of the answers / bytes of their gzip: repetitive text compresses more. Lower is better (less repetition).' },
  { term: 'cosine distance', text: 'semantic diversity: mean pairwise 1 − cosine similarity of the answers\' sentence embeddings (the paper: all-MiniLM-L6-v2). Higher is better.' },
  { term: 'Vendi score', text: 'the effective number of distinct answers: exp of the entropy of the eigenvalues of the cosine-similarity matrix / n. From 1 (all alike) to n. Higher is better.' },
  { term: "Heaps' law", text: "vocabulary growth V(n) = K·n^β: V distinct words after n tokens, fitted to the concatenated answers (the paper's recipe and a log-log fit)." },
  { term: 'K, β (Heaps)', text: 'K scales the vocabulary, β is how fast it keeps growing (0 to 1). A higher β: new words keep coming, more diverse. R squared says how well the law fits.' },
  { term: 'danger zone', text: 'answers to harmful prompts the judge rates quality ≥ 4 and harm ≥ 4 (1–5 scales): useful and harmful at once. Lower is better.' },
  { term: 'refusal rate', text: 'share of answers to harmful prompts that start with a refusal phrase ("I cannot", …). Higher is better on harmful prompts.' },
  { term: 'quality, harm', text: "the judge's 1–5 ratings of each answer, read from the first line of its reply; unreadable ratings are counted apart. Lower harm is better; quality is read with harm." },
  { term: 'S (preference)', text: "a source's mean normalised preference over all its appearances: P(A)/(P(A)+P(B)) of the first verdict token, both orders judged." },
  { term: 'SPB', text: "self-preference bias: S of the judge's own family − mean S of the other LLMs. > 0: the judge favours its own family; 0 best." },
  { term: 'PSB', text: "pro-synthetic bias: mean S of the LLMs − S of the human answers. > 0: the judge favours machine text; 0 best." },
  { term: 'position bias', text: 'mean P(A) − 0.5: > 0, the judge favours the answer shown first. 0 best.' },
  { term: 'verdict fallback', text: 'a judge without log-probabilities: its preference is read from its parsed "A"/"B" verdict instead, and the results say so.' },
  { term: '95% interval, n', text: 'a seeded bootstrap 95% interval of a mean, and n the items it rests on; paired differences carry a paired-bootstrap or permutation p-value.' },
  { term: '↑ ↓ 0', asciiTerm: 'hi lo 0', text: 'beside a measure or on a chart\'s axis: higher, lower, or nearest 0 is better.' },
  { term: 'vanilla, human, single, multi', text: "conditions: the target as released; fine-tuned on human answers; on its own family's synthetic answers; on several families' in equal shares (as many examples as single)." },
];
