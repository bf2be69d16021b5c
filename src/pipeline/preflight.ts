import { listBuiltinBases } from '../engines/builtin/index.js';
import { capabilityProblems } from './capabilities.js';
import { conditionProblem } from './conditions.js';
import { ConfigError, firstProblem, ProblemsError } from '../domain/errors.js';
import { safetyPromptProblems } from './evaluation/prompts.js';
import type { Session, StepId } from '../domain/session.js';
import { embedderProblem } from './steps/diversity.js';
import { preferenceJudges } from './steps/preference.js';
import { safetyJudgeId } from './steps/safety.js';

/** Steps that read the session's conditions. */
const CONDITION_STEPS: readonly StepId[] = ['assemble', 'train', 'answer', 'perplexity', 'diversity', 'safety', 'preference'];

/**
 * What in a session would make a run fail part-way — a condition whose target or source is not
 * a model, a judge or embedder that is not one, an unknown builtin base — found before anything
 * runs: on a GPU study the step that trips over it may be hours in.
 */
export function sessionProblems(session: Session, steps: readonly StepId[]): string[] {
  const problems: string[] = [];
  const bases = new Set(listBuiltinBases().map((b) => b.id));
  for (const m of session.models) {
    if (m.engine.engine === 'builtin' && !bases.has(m.engine.base)) {
      problems.push(`model "${m.id}": no builtin base "${m.engine.base}" — choose one of ${[...bases].join(', ')}`);
    }
    // The hf engine loads a trained adapter onto its own model: trained on another base, it cannot fit.
    if (m.engine.engine === 'hf' && m.trainer?.kind === 'hf' && m.trainer.baseModel !== m.engine.model) {
      problems.push(`model "${m.id}": trainer.baseModel "${m.trainer.baseModel}" is not the model the hf engine runs ("${m.engine.model}"), onto which its adapters are loaded — make them the same`);
    }
  }
  if (steps.some((s) => CONDITION_STEPS.includes(s))) {
    for (const c of session.conditions) {
      const problem = conditionProblem(session, c);
      if (problem) problems.push(problem);
    }
  }
  const { diversity, safety, preference } = session.evaluation;
  const embedder = steps.includes('diversity') && diversity.enabled ? embedderProblem(session) : null;
  if (embedder) problems.push(embedder);
  // The steps' own lookups, whose errors say what to fix.
  const failing = (lookup: () => unknown) => {
    try {
      lookup();
    } catch (err) {
      problems.push((err as Error).message);
    }
  };
  if (steps.includes('safety') && safety.enabled && session.conditions.length > 0) failing(() => safetyJudgeId(session));
  // Unlisted, the judges are the targets, which the conditions' check covers.
  if (steps.includes('preference') && preference.enabled && preference.judges.length > 0) failing(() => preferenceJudges(session));
  return problems;
}

/** Refuse to start a run that would fail part-way; one line, the first problem and how many more. */
export function assertRunnable(session: Session, steps: readonly StepId[]): void {
  const problems = sessionProblems(session, steps);
  if (problems.length) throw new ConfigError(`session "${session.name}" cannot run: ${firstProblem(problems)}`);
}

/**
 * Everything a run of `steps` would trip over, found before any work, one line each: the
 * session's own references, the harmful-prompt file (read in full: a wrong prompt field must
 * show now, not when the answer step starts after generation and training), and what the
 * models can do. The wizard checks this on save, `baskets run` before it starts.
 */
export async function preflightProblems(session: Session, steps: readonly StepId[], opts: { signal?: AbortSignal } = {}): Promise<string[]> {
  const usesPrompts = steps.includes('answer') || steps.includes('safety');
  const [prompts, capabilities] = await Promise.all([usesPrompts ? safetyPromptProblems(session) : [], capabilityProblems(session, steps, opts)]);
  return [...sessionProblems(session, steps), ...prompts, ...capabilities];
}

/** Refuse a run that `preflightProblems` finds fault with: one line per problem. */
export async function assertReady(session: Session, steps: readonly StepId[], opts: { signal?: AbortSignal } = {}): Promise<void> {
  const problems = await preflightProblems(session, steps, opts);
  if (problems.length) throw new ProblemsError(`session "${session.name}" cannot run: found before any work`, problems);
}
