import { CapabilityError, type Capability, type LanguageModel } from '../../engines/types.js';
import type { EvaluatedRef } from '../results.js';
import type { Condition, ModelEntry, Session } from '../session.js';
import type { StepContext } from '../step.js';

/** One evaluated model: a condition, its target's session entry, and the model it evaluates. */
export interface Evaluated {
  condition: Condition;
  target: ModelEntry;
  model: LanguageModel;
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
    out.push({ condition, target, model });
  }
  return out;
}

export const refOf = (e: Evaluated): EvaluatedRef => ({ condition: e.condition.name, target: e.target.id, kind: e.condition.kind });
