/**
 * A thread of the builtin pool (pool.ts): opens each model it is asked about once, from the
 * disk cache, and runs the requests on it here.
 */
import type { ChatMessage, GenerateParams } from '../../domain/models.js';
import { servePoolTasks } from '../../util/worker-pool.js';
import type { BuiltinModel } from './model.js';
import { openFromSource } from './open.js';
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

servePoolTasks<PooledCall>(async ({ source, method, args }, emit) => {
  const model = await modelAt(source);
  switch (method) {
    case 'generate': {
      const [messages, params, stream] = args as [ChatMessage[], GenerateParams, boolean];
      return model.generate(messages, params, stream ? { onDelta: emit } : {});
    }
    case 'score':
      return model.score(...(args as [ChatMessage[], string]));
    case 'embed':
      return model.embed(args[0] as string[]);
    case 'judgePair':
      return model.judgePair(...(args as [string, string, string]));
    case 'rate':
      return model.rate(...(args as [string, string]));
  }
});
