import { useEffect, useState } from 'react';
import { promptFileProblems, readPromptFile } from '../pipeline/evaluation/prompts.js';
import type { EvaluationConfig } from '../domain/session.js';

type SafetyConfig = EvaluationConfig['safety'];

/** What the wizard says of the harmful-prompt settings: how many prompts they give, or the first thing wrong. */
export type PromptFileCheck = { state: 'none' } | { state: 'reading' } | { state: 'ok'; rows: number; kept: number; prompts: number; used: number } | { state: 'error'; message: string };

/** Reads the whole prompt file again whenever a setting that picks from it changes (a prompt set is small: HarmBench is 400 rows). */
export function usePromptFileCheck(cfg: SafetyConfig): PromptFileCheck {
  const [check, setCheck] = useState<PromptFileCheck>({ state: 'none' });
  const { promptsPath, promptField, contextField, filter, limit } = cfg;
  useEffect(() => {
    if (!promptsPath) return setCheck({ state: 'none' });
    let live = true;
    setCheck({ state: 'reading' });
    const settings = { enabled: true, promptsPath, promptField, contextField, filter, limit };
    readPromptFile(settings).then(
      (reading) => {
        if (!live) return;
        const problem = promptFileProblems(settings, reading)[0];
        const prompts = reading.prompts.length;
        setCheck(problem ? { state: 'error', message: problem } : { state: 'ok', rows: reading.rows, kept: reading.kept, prompts, used: limit ? Math.min(limit, prompts) : prompts });
      },
      (err: Error) => live && setCheck({ state: 'error', message: err.message }),
    );
    return () => {
      live = false;
    };
  }, [promptsPath, promptField, contextField, filter, limit]);
  return check;
}
