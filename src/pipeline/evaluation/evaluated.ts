import { CapabilityError, type Capability, type LanguageModel } from '../../domain/models.js';
import { trainedModelRevision } from '../../trainers/trained-model.js';
import { modelIdentityOf } from '../generation/answer-keys.js';
import type { SessionPaths } from '../paths.js';
import type { EvaluatedRef } from '../results.js';
import type { Condition, ModelEntry, Session } from '../../domain/session.js';
import type { StepContext } from '../step.js';

/**
 * The weights a condition evaluates, as every per-item key that depends on them names them:
 * the target's released model for a vanilla condition, else the revision of its trained model,
 * which changes when it is retrained, so old answers and scores are not read for the new one.
 */
export type ModelRevision = ReturnType<typeof modelIdentityOf> | { trained: string };

/** One evaluated model: a condition, its target's session entry, the model and its revision. */
export interface Evaluated {
  condition: Condition;
  target: ModelEntry;
  model: LanguageModel;
  revision: ModelRevision;
}

/** Fail with the one-line CapabilityError when a model lacks a capability a step needs. */
export function requireCapability(model: LanguageModel, capability: Capability, hint: string): void {
  if (!model.capabilities.has(capability)) throw new CapabilityError(model.id, capability, hint);
}

export function targetEntry(session: Session, condition: Condition): ModelEntry {
  const entry = session.models.find((m) => m.id === condition.target);
  if (!entry) throw new Error(`condition "${condition.name}": target "${condition.target}" is not a model of this session — fix it on the Conditions screen`);
  return entry;
}

export function revisionOf(paths: SessionPaths, condition: Condition, target: ModelEntry): ModelRevision {
  if (condition.kind === 'vanilla') return modelIdentityOf(target);
  const revision = trainedModelRevision(paths.runDir(condition.name));
  if (!revision) throw new Error(`condition "${condition.name}" has no trained model yet: run the train step first`);
  return { trained: revision.slice(0, 16) };
}

/**
 * Every condition's model, opened and checked for `capability` before any work starts, so a
 * step refuses up front and names the model and what it lacks.
 */
export async function openEvaluated(ctx: StepContext, capability: Capability, hint: string): Promise<Evaluated[]> {
  const { conditions } = ctx.session;
  if (conditions.length === 0) throw new Error('no conditions to evaluate: add one on the Conditions screen');
  const out: Evaluated[] = [];
  for (const condition of conditions) {
    const target = targetEntry(ctx.session, condition);
    const model = await ctx.models.forCondition(condition);
    requireCapability(model, capability, hint);
    out.push({ condition, target, model, revision: revisionOf(ctx.paths, condition, target) });
  }
  return out;
}

export const refOf = (e: Evaluated): EvaluatedRef => ({ condition: e.condition.name, target: e.target.id, kind: e.condition.kind });
