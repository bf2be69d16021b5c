import { existsSync, readFileSync } from 'node:fs';
import type { SessionPaths } from './paths.js';
import { studyInputs, type FileInput, type StudyInputs } from './provenance.js';
import type { ResultFiles } from './results.js';
import type { ModelEntry, Session } from '../domain/session.js';

/**
 * A session's inputs as lines a reader can check: every file with its sha256 and record count,
 * the split and its seed, each model and its parameters, the conditions, the evaluation
 * settings, and the baskets version. Reports and exports carry them with the numbers.
 */
export interface InputLine {
  what: string;
  value: string;
}

interface SplitRecord {
  records?: number;
  skipped?: number;
  train?: number;
  test?: number;
  multiTurn?: { records: number; policy: string };
}

function readSplit(paths: SessionPaths): SplitRecord | null {
  try {
    return existsSync(paths.split) ? (JSON.parse(readFileSync(paths.split, 'utf8')) as SplitRecord) : null;
  } catch {
    return null;
  }
}

const count = (n: number) => n.toLocaleString('en-US');
const fileText = (f: FileInput) => `${f.path} (sha256 ${f.sha256}, ${count(f.bytes)} bytes)`;

function dataLine(session: Session, file: FileInput | null, source: string, split: SplitRecord | null): string {
  const what = session.data.source.kind === 'builtin' ? `the builtin instruction set ${session.data.source.name}` : file ? fileText(file) : `${source} (missing)`;
  if (!split || split.records === undefined) return `${what}; not split yet`;
  const parts = [`${count(split.records)} records used`];
  if (split.skipped) parts.push(`${count(split.skipped)} malformed skipped`);
  if (split.multiTurn) parts.push(`${count(split.multiTurn.records)} multi-turn (${split.multiTurn.policy})`);
  return `${what}: ${parts.join(', ')}`;
}

function splitLine(session: Session, split: SplitRecord | null): string {
  const { testFraction, subsample } = session.data;
  const counts = split?.train !== undefined ? ` → ${count(split.train)} train / ${count(split.test ?? 0)} test` : '';
  return `seed ${session.seed}, test fraction ${testFraction}, ${subsample === undefined ? 'every record' : `subsample ${count(subsample)}`}${counts}`;
}

function modelLine(m: ModelEntry): string {
  const e = m.engine;
  const engine = e.engine === 'builtin' ? `builtin ${e.base}` : e.engine === 'openai' ? `openai ${e.model}` : `hf ${e.model}${e.adapter ? ` + adapter ${e.adapter}` : ''} (${e.dtype})`;
  const g = m.generation;
  const sampling = `temperature ${g.temperature}, top-p ${g.topP}, max tokens ${g.maxTokens}, ${g.samples} sample${g.samples === 1 ? '' : 's'}${g.stop?.length ? `, stop ${JSON.stringify(g.stop)}` : ''}`;
  const t = m.trainer;
  const trainer = !t
    ? ''
    : t.kind === 'builtin'
      ? `; trainer builtin (epochs ${t.epochs}, learning rate ${t.learningRate}, batch ${t.batchSize})`
      : t.kind === 'hf'
        ? `; trainer hf ${t.baseModel} (epochs ${t.epochs}, learning rate ${t.learningRate}, batch ${t.batchSize} × ${t.gradientAccumulation}${t.processes ? ` × ${t.processes} processes` : ''}, max length ${t.maxLength}, overlong ${t.overlong}, LoRA r ${t.lora.r} α ${t.lora.alpha})`
        : `; trainer openai-ft ${t.baseModel}${t.epochs ? ` (epochs ${t.epochs})` : ''}`;
  return `${m.family} ${m.size}, ${m.roles.join('/')}; ${engine}; ${sampling}${trainer}`;
}

function safetyLine(session: Session, prompts: FileInput | null, answers: ResultFiles['answers'] | null): string {
  const s = session.evaluation.safety;
  if (!s.enabled) return 'off';
  const file = !s.promptsPath ? "the project's own generic set" : prompts ? fileText(prompts) : `${s.promptsPath} (missing)`;
  const how = s.promptsPath ? [`field ${s.promptField}`, s.contextField ? `context ${s.contextField}` : '', s.filter ? `filter ${s.filter}` : '', s.limit ? `limit ${s.limit}` : ''].filter(Boolean) : [];
  const used = answers?.harmfulPrompts ? `, ${count(answers.harmfulPrompts.count)} prompts used` : '';
  return `${file}${how.length ? `; ${how.join(', ')}` : ''}${used}; judge ${s.judge ?? 'the first judge model'}`;
}

const CONDITION_JUDGES: Record<string, string> = { true: ' and the condition models', undefined: ' and the condition models where they can judge', false: '' };

export function describeInputs(session: Session, paths: SessionPaths, answers: ResultFiles['answers'] | null, inputs: StudyInputs = studyInputs(session)): InputLine[] {
  const split = readSplit(paths);
  const e = session.evaluation;
  const lines: InputLine[] = [
    { what: 'baskets', value: inputs.baskets },
    { what: 'data', value: dataLine(session, inputs.data.file, inputs.data.source, split) },
    { what: 'split', value: splitLine(session, split) },
    { what: 'harmful prompts', value: safetyLine(session, inputs.prompts, answers) },
    ...session.models.map((m) => ({ what: `model ${m.id}`, value: modelLine(m) })),
    ...session.conditions.map((c) => ({
      what: `condition ${c.name}`,
      value: `${c.kind} on ${c.target}${c.sources.length ? ` from ${c.sources.map((s) => (s.weight === 1 ? s.model : `${s.model}:${s.weight}`)).join(', ')}` : ''}${c.examples ? `, ${count(c.examples)} examples` : ''}`,
    })),
    {
      what: 'evaluation',
      value: [
        `${count(e.answers)} answers per model`,
        `perplexity ${e.perplexity ? 'on' : 'off'}`,
        e.diversity.enabled ? `diversity embedder ${e.diversity.embedder}` : 'diversity off',
        e.preference.enabled ? `preference ${e.preference.items} items, judges ${e.preference.judges.join(', ') || 'none named'}${CONDITION_JUDGES[String(e.preference.conditionJudges)]}` : 'preference off',
      ].join('; '),
    },
  ];
  return lines;
}
