import { openBuiltinModel, openTrainedBuiltin, type PretrainProgress } from '../engines/builtin/index.js';
import { openHfModel, type OpenedHfModel } from '../engines/hf/index.js';
import { openOpenAIModel } from '../engines/openai/index.js';
import type { LanguageModel } from '../domain/models.js';
import { readTrainedModel } from '../trainers/trained-model.js';
import type { StepEvent } from '../domain/events.js';
import type { SessionPaths } from './paths.js';
import type { Condition, ModelEntry, Session } from '../domain/session.js';
import type { ModelResolver } from './step.js';

export interface ModelResolverOptions {
  signal?: AbortSignal;
  /** Events of the step that is opening a model: a builtin base pretraining on first use reports here. */
  report?: (event: StepEvent) => void;
}

/**
 * A builtin base pretrains on first use, for seconds: say so once per phase, and show its
 * progress as a task of the step that asked for the model (or, in the train step, trains it).
 */
export function pretrainingReporter(report: (event: StepEvent) => void): (p: PretrainProgress) => void {
  let phase = '';
  return (p) => {
    if (p.phase !== phase) {
      phase = p.phase;
      report({ type: 'log', level: 'info', message: `first use of ${p.base}: ${p.phase} (pretraining, cached afterwards)` });
    }
    report({ type: 'progress', task: `pretraining ${p.base}`, done: p.done, total: p.total, unit: p.unit });
  };
}

/** An opened model that holds a worker process (the hf engine's). */
const isWorker = (m: LanguageModel): m is OpenedHfModel => 'loaded' in m && typeof (m as OpenedHfModel).close === 'function';

/**
 * Opens the models a session names, once each: session entries by id, and conditions by their
 * trained result (`runs/<condition>/model.json`, written by the train step). `close` shuts down
 * the worker processes of hf models; a model asked for after it is opened again.
 */
export function createModelResolver(session: Session, paths: SessionPaths, opts: ModelResolverOptions = {}): ModelResolver {
  const builtinOptions = (id: string) => ({ id, signal: opts.signal, onProgress: opts.report && pretrainingReporter(opts.report) });
  const cache = new Map<string, Promise<LanguageModel>>();
  // Opened models that hold a process (hf workers) by their cache key, shut down by close().
  const workers = new Map<string, OpenedHfModel>();
  const once = (key: string, open: () => Promise<LanguageModel>) => {
    let model = cache.get(key);
    if (!model) {
      model = open();
      cache.set(key, model);
      model.then((m) => isWorker(m) && workers.set(key, m)).catch(() => cache.delete(key));
    }
    return model;
  };
  const entry = (id: string): ModelEntry => {
    const found = session.models.find((m) => m.id === id);
    if (!found) throw new Error(`model "${id}" is not in session "${session.name}": add it on the Models screen`);
    return found;
  };
  const openEntry = (e: ModelEntry, id = e.id): Promise<LanguageModel> => {
    switch (e.engine.engine) {
      case 'builtin':
        return openBuiltinModel(e.engine.base, builtinOptions(id));
      case 'openai':
        return openOpenAIModel(e, { id, signal: opts.signal });
      case 'hf':
        return openHfModel(e, { id, signal: opts.signal });
    }
  };

  return {
    model: (id) => once(`model:${id}`, () => openEntry(entry(id))),
    forCondition: (condition: Condition) =>
      once(`condition:${condition.name}`, async () => {
        const target = entry(condition.target);
        if (condition.kind === 'vanilla') return openEntry(target, condition.name);
        const trained = readTrainedModel(paths.runDir(condition.name));
        if (!trained) throw new Error(`condition "${condition.name}" has no trained model yet: run the train step first`);
        switch (trained.kind) {
          case 'builtin':
            return openTrainedBuiltin(trained.modelDir, builtinOptions(condition.name));
          case 'openai':
            return openOpenAIModel(
              {
                ...target,
                // Served where training put it, with the target's limits, retries and timeout.
                engine: {
                  ...(target.engine.engine === 'openai' ? target.engine : { engine: 'openai', concurrency: 16 }),
                  baseUrls: [trained.baseUrl],
                  model: trained.model,
                  apiKeyEnv: trained.apiKeyEnv,
                },
              },
              { id: condition.name, signal: opts.signal },
            );
          case 'unserved':
            // The hf engine loads the adapter onto its model itself: nothing to serve.
            if (target.engine.engine === 'hf') return openEntry({ ...target, engine: { ...target.engine, adapter: trained.adapterDir } }, condition.name);
            throw new Error(
              `condition "${condition.name}" was trained but its adapter is not served: start it with \`${trained.serveCommand.join(' ')}\` and set trainer.serveBaseUrl`,
            );
        }
      }),
    close: async () => {
      const open = [...workers];
      workers.clear();
      for (const [key] of open) cache.delete(key);
      await Promise.all(open.map(([, m]) => m.close()));
    },
  };
}
