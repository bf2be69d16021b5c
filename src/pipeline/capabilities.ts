import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { capabilitiesOf, probeServer } from '../engines/openai/index.js';
import type { Capability } from '../domain/models.js';
import type { ModelEntry, Session, StepId } from '../domain/session.js';
import { preferenceJudges } from './steps/preference.js';
import { safetyJudgeId } from './steps/safety.js';

/** One thing a step will ask of a model. */
export interface CapabilityNeed {
  model: ModelEntry;
  capability: Capability;
  step: StepId;
  /** What to do when the model lacks it. */
  instead: string;
}

const ALL: ReadonlySet<Capability> = new Set(['generate', 'score', 'embed', 'judge', 'rate', 'tokenize']);

/** What the steps of a run will ask of which models (each model and capability once, at its first step). */
export function capabilityNeeds(session: Session, steps: readonly StepId[]): CapabilityNeed[] {
  const needs: CapabilityNeed[] = [];
  const byId = (id: string) => session.models.find((m) => m.id === id);
  const add = (model: ModelEntry | undefined, capability: Capability, step: StepId, instead: string) => {
    if (model && !needs.some((n) => n.model.id === model.id && n.capability === capability)) needs.push({ model, capability, step, instead });
  };
  const targets = [...new Set(session.conditions.map((c) => c.target))].map(byId);
  const e = session.evaluation;
  const on = (step: StepId) => steps.includes(step);
  // A judge that is not a model has nothing to probe: sessionProblems names it.
  const resolved = <T>(lookup: () => T): T | undefined => {
    try {
      return lookup();
    } catch {
      return undefined;
    }
  };
  if (on('generate')) for (const m of session.models.filter((x) => x.roles.includes('source'))) add(m, 'generate', 'generate', 'serve a chat model, or take the source role from it');
  if (on('answer')) for (const m of targets) add(m, 'generate', 'answer', 'serve a chat model for the target');
  if (on('perplexity') && e.perplexity) {
    for (const m of targets) add(m, 'score', 'perplexity', 'serve it with vLLM or SGLang, or run it on the hf engine, or switch evaluation.perplexity off');
  }
  if (on('diversity') && e.diversity.enabled && e.diversity.embedder !== 'builtin') {
    add(byId(e.diversity.embedder), 'embed', 'diversity', 'serve a pooling model for it (vLLM/SGLang), run it on the hf engine, or set evaluation.diversity.embedder to "builtin"');
  }
  if (on('safety') && e.safety.enabled && session.conditions.length) {
    add(resolved(() => byId(safetyJudgeId(session))), 'rate', 'safety', 'choose another evaluation.safety.judge, or switch evaluation.safety off');
  }
  if (on('preference') && e.preference.enabled && session.conditions.length) {
    for (const m of resolved(() => preferenceJudges(session)) ?? []) add(m, 'judge', 'preference', 'choose other evaluation.preference.judges, or switch evaluation.preference off');
    if (e.preference.conditionJudges === true) for (const m of targets) add(m, 'judge', 'preference', 'set evaluation.preference.conditionJudges to false');
  }
  return needs;
}

/**
 * What a model can do, found without running it: a builtin model everything; a model on a
 * server what its probe found (cached per server, so a rerun does not wait); an hf model what
 * its config says it is (a causal LM does everything, an encoder or a sentence-transformers
 * model only embeds; a hub id not on this machine is taken as a causal LM).
 */
async function capabilitiesOfEntry(model: ModelEntry, signal?: AbortSignal): Promise<ReadonlySet<Capability>> {
  switch (model.engine.engine) {
    case 'builtin':
      return ALL;
    case 'openai': {
      const { baseUrls, model: name, apiKeyEnv } = model.engine;
      const probe = await probeServer(baseUrls[0], { models: [name], apiKeyEnv, signal });
      const found = probe.models.find((m) => m.model === name);
      if (!found) throw new Error(`${baseUrls[0]} does not serve "${name}" — fix engine.model (see \`baskets models ${baseUrls[0]}\`)`);
      return capabilitiesOf(found);
    }
    case 'hf':
      return hfCapabilities(model.engine);
  }
}

function hfCapabilities(engine: Extract<ModelEntry['engine'], { engine: 'hf' }>): ReadonlySet<Capability> {
  const embedOnly: ReadonlySet<Capability> = new Set(['embed', 'tokenize']);
  if (engine.sentenceTransformers || existsSync(join(engine.model, 'modules.json'))) return embedOnly;
  const config = join(engine.model, 'config.json');
  if (!existsSync(config)) return ALL;
  try {
    const architectures = (JSON.parse(readFileSync(config, 'utf8')) as { architectures?: unknown }).architectures;
    const causal = !Array.isArray(architectures) || architectures.some((a) => typeof a === 'string' && /(ForCausalLM|LMHeadModel)$/.test(a));
    return causal ? ALL : embedOnly;
  } catch {
    return ALL; // a config the worker cannot read either: it says so when it loads
  }
}

/**
 * Before any work, every capability the run's steps will need, of every model: the problems,
 * one line each, naming the model, what it cannot do, the step that needs it, and what to do.
 * A server that cannot be reached is one problem per model on it.
 */
export async function capabilityProblems(session: Session, steps: readonly StepId[], opts: { signal?: AbortSignal } = {}): Promise<string[]> {
  const needs = capabilityNeeds(session, steps);
  const models = [...new Map(needs.map((n) => [n.model.id, n.model])).values()];
  const found = await Promise.all(models.map((m) => capabilitiesOfEntry(m, opts.signal).then((caps) => ({ caps }), (err: Error) => ({ error: err.message }))));
  const problems: string[] = [];
  models.forEach((m, i) => {
    const result = found[i];
    if ('error' in result) {
      problems.push(`model "${m.id}": ${result.error}`);
      return;
    }
    for (const n of needs.filter((x) => x.model.id === m.id && !result.caps.has(x.capability))) {
      problems.push(`model "${m.id}" cannot ${n.capability}, which the ${n.step} step needs: ${n.instead}`);
    }
  });
  return problems;
}
