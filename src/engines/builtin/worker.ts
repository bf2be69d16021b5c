/**
 * A thread of the builtin pool (pool.ts): opens each model it is asked about once, from the
 * disk cache, and runs the requests on it here.
 */
import type { ChatMessage, GenerateParams, Generation, GenerationDelta } from '../../domain/models.js';
import { servePoolTasks } from '../../util/worker-pool.js';
import type { BuiltinModel } from './model.js';
import { openFromSource } from './open.js';
import { baseTokenizer, pretrainIntoCache } from './pretrain.js';
import { trainBuiltin } from './train.js';
import type { PooledTrainOptions } from './train-on-pool.js';
import type { PooledCall } from './pool.js';

const models = new Map<string, Promise<BuiltinModel>>();

function modelAt(source: PooledCall['source']): Promise<BuiltinModel> {
  const key = JSON.stringify(source);
  let model = models.get(key);
  if (!model) {
    model = openFromSource(source, false);
    models.set(key, model);
    model.catch(() => models.delete(key));
  }
  return model;
}

/** Deltas are sent gathered, at most this often (and at the end): a message per token would cost more than the token. */
const DELTA_INTERVAL_MS = 50;

async function generateStreaming(model: BuiltinModel, messages: ChatMessage[], params: GenerateParams, emit: (delta: GenerationDelta) => void): Promise<Generation> {
  let pending: GenerationDelta | undefined;
  let sent = performance.now();
  const flush = () => {
    if (pending) emit(pending);
    pending = undefined;
    sent = performance.now();
  };
  const generation = await model.generate(messages, params, {
    onDelta: (d) => {
      pending = pending ? { text: pending.text + d.text, tokens: pending.tokens + d.tokens } : d;
      if (performance.now() - sent >= DELTA_INTERVAL_MS) flush();
    },
  });
  flush();
  return generation;
}

servePoolTasks<PooledCall>(async ({ source, method, args }, emit, signal) => {
  if (method === 'train') {
    const [opts] = args as [PooledTrainOptions];
    const training = trainBuiltin({ ...opts, cacheDir: source.cacheDir, signal, onProgress: (progress) => emit({ type: 'pretraining', progress }) });
    for await (const event of training) emit(event);
    return null;
  }
  if (method === 'tokenizer' || method === 'pretrain') {
    if (!('base' in source)) throw new Error(`${method} needs a base, not a trained model`);
    // Pretrained here, the base stays loaded in this thread for the requests that follow.
    const prepare = method === 'tokenizer' ? baseTokenizer : pretrainIntoCache;
    await prepare(source.base, { cacheDir: source.cacheDir, onProgress: emit });
    return null;
  }
  const model = await modelAt(source);
  switch (method) {
    case 'generate': {
      const [messages, params, stream] = args as [ChatMessage[], GenerateParams, boolean];
      return stream ? generateStreaming(model, messages, params, emit) : model.generate(messages, params);
    }
    case 'score':
      return model.score(...(args as [ChatMessage[], string]));
    case 'embed':
      return model.embed(args[0] as string[]);
    case 'likelihood':
      return model.meanLogLikelihood(...(args as [string, string]));
    case 'rate':
      return model.rate(...(args as [string, string]));
  }
});
