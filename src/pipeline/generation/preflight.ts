import { preflightOpenAIModel } from '../../engines/openai/preflight.js';
import type { ModelEntry } from '../../domain/session.js';

/** One or more models cannot be used; the message is one line per model, each saying what to do. */
export class PreflightError extends Error {
  override name = 'PreflightError';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/**
 * Before any work: every remote model's key variable is set, each replica answers and serves
 * the model. All entries are checked at once so the user fixes everything in one go.
 */
export async function preflightModels(entries: ModelEntry[], opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<void> {
  const problems = (await Promise.all(entries.map((e) => preflightOpenAIModel(e, opts)))).filter((p): p is string => p !== null);
  if (problems.length) throw new PreflightError(problems);
}
