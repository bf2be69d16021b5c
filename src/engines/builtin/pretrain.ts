import { runCooperatively, yieldToEventLoop } from '../../util/yield.js';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { SizeTier } from '../../domain/session.js';
import { builtinCacheDir, readPack, writePack } from './cache.js';
import { chatPrompt } from './chat.js';
import { isHeldOutYear, loadAddresses, passagesOf, type Passage } from './corpus.js';
import { documentFrequencies, type IdfTable } from './embed.js';
import { FAMILIES, SIZE_TIERS, type FamilySpec } from './families.js';
import { AdaptedTables } from './adapted.js';
import { closeBuiltinPool } from './pool.js';
import { FrozenTable, GrowingTable } from './ngram.js';
import { BOS, EOS, Tokenizer, countPretokens, learnBpe, learnWords, type TokenizerSpec } from './tokenizer.js';

export interface BuiltinBaseInfo {
  id: string;
  family: string;
  size: SizeTier;
  tokenizer: string;
  order: number;
  description: string;
}

export interface Progress {
  /** The base model being loaded. */
  base: string;
  phase: string;
  done: number;
  total: number;
  /** What `done` and `total` count. */
  unit: 'tokenizers' | 'documents' | 'files';
}

export interface PretrainOptions {
  cacheDir?: string;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /**
   * Pretrains `base` elsewhere (a pool thread), writing its pack to `cacheDir`, which is then
   * read here; without it a base missing from the cache is pretrained on this thread.
   */
  pretrainElsewhere?: (base: string, cacheDir: string, opts: Pick<PretrainOptions, 'onProgress' | 'signal'>) => Promise<void>;
}

/** Per-token log-likelihood of held-out human passages: what "ordinary quality" means to this model. */
export interface Calibration {
  mean: number;
  std: number;
}

export interface BaseMeta {
  id: string;
  order: number;
  vocabSize: number;
  tokenizer: TokenizerSpec;
  calibration: Calibration;
  idf: IdfTable;
  pretrainTokens: number;
}

export interface BaseModel {
  info: BuiltinBaseInfo;
  tokenizer: Tokenizer;
  table: FrozenTable;
  meta: BaseMeta;
}

/** Passages per pretraining document: passages inside a document are joined by a newline. */
const PASSAGES_PER_DOC = 3;
const CALIBRATION_PASSAGES = 80;

export function listBuiltinBases(): BuiltinBaseInfo[] {
  return FAMILIES.flatMap((f) =>
    SIZE_TIERS.map((size) => ({
      id: `${f.family}-${size}`,
      family: f.family,
      size,
      tokenizer: f.tokenizer.kind === 'word' ? `word-${f.tokenizer.words}` : `bpe-${f.tokenizer.merges}`,
      order: f.sizes[size].order,
      description: `${f.description}; ${f.sizes[size].order}-gram, ${Math.round(f.sizes[size].chars / 1000)}k characters`,
    })),
  );
}

export function resolveBase(base: string): { spec: FamilySpec; size: SizeTier; info: BuiltinBaseInfo } {
  const info = listBuiltinBases().find((b) => b.id === base);
  if (!info) {
    throw new Error(`unknown builtin model "${base}": use one of ${listBuiltinBases().map((b) => b.id).join(', ')}`);
  }
  return { spec: FAMILIES.find((f) => f.family === info.family)!, size: info.size, info };
}

/** Cache keys hash the recipe, so changing a family's definition makes its old files stale. */
function recipeKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

/**
 * The cache key of a base's pretrained table: its name and recipe. Answer keys carry it too
 * (pipeline/generation/keys.ts), so work done with an older recipe of the same name is redone.
 */
export function baseModelKey(base: string): string {
  const { spec, size } = resolveBase(base);
  return `model:${base}:${recipeKey([spec, size])}`;
}

/** The family's era minus the held-out years, thinned evenly to about `chars` characters. */
export function pretrainingPassages(spec: FamilySpec, chars: number): Passage[] {
  const all = loadAddresses()
    .filter((a) => a.year >= spec.years[0] && a.year <= spec.years[1] && !isHeldOutYear(a.year))
    .flatMap((a) => passagesOf(a));
  const totalChars = all.reduce((n, p) => n + p.text.length + 1, 0);
  const ratio = Math.min(1, chars / totalChars);
  return all.filter((_, j) => Math.floor((j + 1) * ratio) > Math.floor(j * ratio));
}

export function pretrainingDocuments(passages: Passage[]): string[] {
  const docs: string[] = [];
  for (let i = 0; i < passages.length; i += PASSAGES_PER_DOC) {
    docs.push(passages.slice(i, i + PASSAGES_PER_DOC).map((p) => p.text).join('\n'));
  }
  return docs;
}


function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Error('pretraining cancelled');
}

/** The tokenizer of `base`'s family, trained on first use and cached (every size of a family shares it). */
export function baseTokenizer(base: string, opts: PretrainOptions = {}): Promise<Tokenizer> {
  return familyTokenizer(base, resolveBase(base).spec, opts.cacheDir ?? builtinCacheDir(), opts);
}

async function familyTokenizer(base: string, spec: FamilySpec, cacheDir: string, opts: PretrainOptions): Promise<Tokenizer> {
  const key = `tokenizer:${spec.family}:${recipeKey([spec.years, spec.tokenizer, spec.sizes.large.chars])}`;
  const path = join(cacheDir, `${spec.family}.tokenizer.pack`);
  const cached = readPack<TokenizerSpec>(path, key);
  if (cached) return new Tokenizer(cached.meta);
  opts.onProgress?.({ base, phase: `${spec.family}: training tokenizer`, done: 0, total: 1, unit: 'tokenizers' });
  const counts = await runCooperatively(countPretokens(pretrainingPassages(spec, spec.sizes.large.chars).map((p) => p.text)), opts.signal);
  const learn = spec.tokenizer.kind === 'word' ? learnWords(counts, spec.tokenizer.words) : learnBpe(counts, spec.tokenizer.merges);
  const tok = await runCooperatively(learn, opts.signal);
  writePack(path, key, tok.spec, {});
  opts.onProgress?.({ base, phase: `${spec.family}: training tokenizer`, done: 1, total: 1, unit: 'tokenizers' });
  return tok;
}

/** Mean and spread of per-token log-likelihood of held-out passages given the one before. */
function calibrate(tokenizer: Tokenizer, table: FrozenTable): Calibration {
  const passages = loadAddresses()
    .filter((a) => isHeldOutYear(a.year))
    .flatMap((a) => passagesOf(a));
  const step = Math.max(1, Math.floor(passages.length / CALIBRATION_PASSAGES));
  const model = new AdaptedTables(table);
  const values: number[] = [];
  for (let i = 1; i < passages.length && values.length < CALIBRATION_PASSAGES; i += step) {
    const prompt = [BOS, ...tokenizer.encode(chatPrompt([{ role: 'user', content: passages[i - 1].text }]))];
    const ids = tokenizer.encode(passages[i].text);
    let sum = 0;
    for (const lp of model.logProbs([...prompt, ...ids], prompt.length)) sum += lp;
    if (ids.length > 0) values.push(sum / ids.length);
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1));
  return { mean, std: Math.max(std, 0.05) };
}

async function pretrain(base: string, cacheDir: string, opts: PretrainOptions): Promise<BaseModel> {
  const { spec, size, info } = resolveBase(base);
  const sizeSpec = spec.sizes[size];
  const key = baseModelKey(base);
  const path = packPath(cacheDir, base);
  let cached = readPack<BaseMeta>(path, key);
  if (!cached && opts.pretrainElsewhere) {
    await opts.pretrainElsewhere(base, cacheDir, opts);
    cached = readPack<BaseMeta>(path, key);
    if (!cached) throw new Error(`pretraining ${base} on a worker thread left no readable ${path}: check that the cache folder is writable`);
  }
  const tokenizer = await familyTokenizer(base, spec, cacheDir, opts);
  if (cached) {
    const { token, kn, childStart } = cached.arrays;
    const table = await FrozenTable.open(cached.meta.order, cached.meta.vocabSize, { token, kn, childStart }, opts.signal);
    return { info, tokenizer, table, meta: cached.meta };
  }

  const passages = pretrainingPassages(spec, sizeSpec.chars);
  const docs = pretrainingDocuments(passages);
  const growing = new GrowingTable(sizeSpec.order, tokenizer.vocabSize);
  const phase = `${base}: counting ${sizeSpec.order}-grams`;
  for (let i = 0; i < docs.length; i++) {
    growing.addSequence([BOS, ...tokenizer.encode(docs[i]), EOS]);
    // A document of a large base takes tens of milliseconds: a turn for the event loop (and a cancel) after each.
    await yieldToEventLoop();
    checkAbort(opts.signal);
    if (i % 50 === 49) opts.onProgress?.({ base, phase, done: i + 1, total: docs.length, unit: 'documents' });
  }
  opts.onProgress?.({ base, phase, done: docs.length, total: docs.length, unit: 'documents' });
  const table = await growing.freezeCooperatively(opts.signal);
  const meta: BaseMeta = {
    id: base,
    order: sizeSpec.order,
    vocabSize: tokenizer.vocabSize,
    tokenizer: tokenizer.spec,
    calibration: calibrate(tokenizer, table),
    idf: documentFrequencies(passages.map((p) => p.text)),
    pretrainTokens: growing.tokensCounted,
  };
  opts.onProgress?.({ base, phase: `${base}: saving`, done: 0, total: 1, unit: 'files' });
  savePack(path, key, meta, table);
  opts.onProgress?.({ base, phase: `${base}: saving`, done: 1, total: 1, unit: 'files' });
  return { info, tokenizer, table, meta };
}

function savePack(path: string, key: string, meta: BaseMeta, table: FrozenTable): void {
  writePack(path, key, meta, { token: table.token, kn: table.knOf, childStart: table.childStart });
}

const packPath = (cacheDir: string, base: string) => join(cacheDir, `${base}.pack`);

/** Loads in this process, with everyone who asked for progress while one is under way, by memoKey. */
const memoKey = (cacheDir: string, base: string) => `${cacheDir}\0${base}`;
const loaded = new Map<string, { model: Promise<BaseModel>; listeners: Set<(p: Progress) => void> }>();

/**
 * The base model, pretrained on first use and cached on disk; shared within the process. A
 * caller who joins a pretraining already under way gets its progress from then on too.
 */
export function loadBase(base: string, opts: PretrainOptions = {}): Promise<BaseModel> {
  resolveBase(base);
  const cacheDir = opts.cacheDir ?? builtinCacheDir();
  const key = memoKey(cacheDir, base);
  const joined = loaded.get(key);
  if (joined) {
    if (opts.onProgress) joined.listeners.add(opts.onProgress);
    return joined.model;
  }
  // Listen before starting: pretraining reports its first phase synchronously.
  const listeners = new Set<(p: Progress) => void>(opts.onProgress ? [opts.onProgress] : []);
  const model = pretrain(base, cacheDir, { ...opts, onProgress: (p) => listeners.forEach((listener) => listener(p)) });
  loaded.set(key, { model, listeners });
  const forgetListeners = () => listeners.clear();
  model.then(forgetListeners, () => {
    forgetListeners();
    loaded.delete(key);
  });
  return model;
}

/**
 * `base`'s pack in the cache, for other threads to read: pretrained here if need be, or written
 * again from this thread's copy should the file have gone since this thread loaded it.
 */
export async function pretrainIntoCache(base: string, opts: PretrainOptions = {}): Promise<void> {
  const cacheDir = opts.cacheDir ?? builtinCacheDir();
  const loadedBefore = loaded.has(memoKey(cacheDir, base));
  const model = await loadBase(base, opts);
  const path = packPath(cacheDir, base);
  const key = baseModelKey(base);
  if (loadedBefore && !readPack(path, key)) savePack(path, key, model.meta, model.table);
}

/** Forget in-process copies, the pool threads' too (tests use this to exercise the disk cache). */
export function clearLoadedBases(): void {
  loaded.clear();
  closeBuiltinPool();
}
