import { Box, Text } from 'ink';
import { FormView } from '../components/FormView.js';
import { ScreenFrame } from '../components/ScreenFrame.js';
import { Table } from '../components/Table.js';
import { WIZARD_CHROME_ROWS, WizardCells } from '../components/WizardCells.js';
import { BUILTIN_HARMFUL_PROMPTS } from '../pipeline/evaluation/harmful-prompts.js';
import { parseRowFilter } from '../domain/row-filter.js';
import type { EvaluationConfig, Session } from '../domain/session.js';
import { preferenceJudges } from '../pipeline/steps/preference.js';
import { useApp, type Draft } from '../ui/context.js';
import { absoluteDatasetPath, checkDatasetPath, type DatasetPreview } from '../ui/dataset-preview.js';
import { leaveWizard, saveDraft, withSession } from '../ui/draft.js';
import { numberRow, parseNumber, useForm, type FormRow } from '../ui/form.js';
import { useScreenKeys } from '../ui/input.js';
import { EVALUATION_KEYS, type ActionOf } from '../ui/keymaps.js';
import { usePromptFileCheck, type PromptFileCheck } from '../ui/prompt-file-check.js';
import { truncate, useTheme } from '../ui/theme.js';
import { useDatasetPreview } from '../ui/use-dataset-preview.js';
import { sanitizeLine } from '../util/sanitize.js';

const PREVIEW_ROWS = 3;
const NO_COLUMN = '(none)';
const FIRST_JUDGE = '(first judge-role model)';
const CONDITION_JUDGES = { auto: undefined, on: true, off: false } as const;

type Evaluation = EvaluationConfig;
const positiveInt = (n: number) => Number.isInteger(n) && n > 0;

/** A row naming a column of the prompt file: a choice among its columns once it is read, else typed. */
function columnRow(id: string, label: string, value: string, columns: readonly string[] | undefined, optional: boolean, put: (column: string | undefined) => void, note?: string): FormRow {
  const found = !value || !columns || columns.includes(value);
  if (columns?.length) {
    return {
      kind: 'choice', id, label, value: value || NO_COLUMN, options: optional ? [NO_COLUMN, ...columns] : columns,
      note: found ? note : 'not in the file', tone: found ? 'muted' : 'error',
      apply: (v) => (put(v === NO_COLUMN ? undefined : v), null),
    };
  }
  return { kind: 'text', id, label, value, note, apply: (v) => (put(v.trim() || undefined), null) };
}

function promptFileNote(check: PromptFileCheck): Pick<FormRow, 'note' | 'tone'> {
  switch (check.state) {
    case 'none':
      return { note: `empty: the builtin set of ${BUILTIN_HARMFUL_PROMPTS.length} generic requests`, tone: 'muted' };
    case 'reading':
      return { note: 'reading…', tone: 'muted' };
    case 'ok': {
      const kept = check.kept < check.rows ? `the filter keeps ${check.kept} of ${check.rows} rows, ` : `${check.rows} rows, `;
      return { note: `${kept}${check.prompts} prompts${check.used < check.prompts ? `, the first ${check.used} used` : ''}`, tone: 'ok' };
    }
    case 'error':
      return { note: check.message, tone: 'error' };
  }
}

/** Preference judges as the step will take them: the listed ones, else its default; null when one listed is not a model. */
function effectiveJudges(session: Session): string[] | null {
  try {
    return preferenceJudges(session).map((m) => m.id);
  } catch {
    return null;
  }
}

function safetyRows(draft: Draft, put: (patch: Partial<Evaluation['safety']>) => void, preview: DatasetPreview | null, check: PromptFileCheck): FormRow[] {
  const { models } = draft.session;
  const safety = draft.session.evaluation.safety;
  const columns = preview?.columns;
  const pathCheck = safety.promptsPath ? checkDatasetPath(safety.promptsPath) : null;
  const fileNote = pathCheck && !pathCheck.ok ? { note: pathCheck.reason, tone: 'error' as const } : promptFileNote(check);
  const firstJudge = models.find((m) => m.roles.includes('judge'))?.id;
  return [
    {
      kind: 'text', id: 'safety-file', label: '  prompt file', value: safety.promptsPath ?? '', ...fileNote,
      apply: (v) => (put({ promptsPath: absoluteDatasetPath(v) || undefined }), null),
    },
    ...(safety.promptsPath
      ? [
          columnRow('safety-prompt', '  prompt field', safety.promptField, columns, false, (c) => put({ promptField: c ?? '' }), 'AdvBench goal, HarmBench Behavior, StrongREJECT forbidden_prompt'),
          columnRow('safety-context', '  context field', safety.contextField ?? '', columns, true, (c) => put({ contextField: c }), 'put before the request where a row has one (HarmBench ContextString)'),
          {
            kind: 'text', id: 'safety-filter', label: '  row filter', value: safety.filter ?? '', note: 'e.g. FunctionalCategory == standard, source != AdvBench, a in (x, y) AND …', tone: 'muted',
            apply: (v) => {
              try {
                parseRowFilter(v);
              } catch (err) {
                return (err as Error).message;
              }
              return (put({ filter: v.trim() || undefined }), null);
            },
          } satisfies FormRow,
        ]
      : []),
    {
      kind: 'text', id: 'safety-limit', label: '  limit', value: safety.limit === undefined ? '' : String(safety.limit), note: 'the first this many prompts (empty: all)',
      apply: (v) => {
        if (!v.trim()) return (put({ limit: undefined }), null);
        const n = parseNumber(v, positiveInt);
        return n === null ? 'limit: a positive whole number, or empty for every prompt' : (put({ limit: n }), null);
      },
    },
    {
      kind: 'choice', id: 'safety-judge', label: '  safety judge', value: safety.judge ?? FIRST_JUDGE, options: [FIRST_JUDGE, ...models.map((m) => m.id)],
      note: safety.judge ? 'rates each answer for harm and quality' : firstJudge ? `now ${firstJudge}` : 'none: give a model the judge role, or pick one', tone: safety.judge || firstJudge ? 'muted' : 'warn',
      apply: (v) => (put({ judge: v === FIRST_JUDGE ? undefined : v }), null),
    },
  ];
}

function preferenceRows(draft: Draft, put: (patch: Partial<Evaluation['preference']>) => void): FormRow[] {
  const { models } = draft.session;
  const preference = draft.session.evaluation.preference;
  const judges = effectiveJudges(draft.session) ?? preference.judges;
  const conditionJudges = (Object.keys(CONDITION_JUDGES) as (keyof typeof CONDITION_JUDGES)[]).find((k) => CONDITION_JUDGES[k] === preference.conditionJudges) ?? 'auto';
  return [
    numberRow('preference-items', '  items', preference.items, positiveInt, 'a whole number, 1 or more', (n) => put({ items: n }), 'test instructions judged pairwise'),
    ...models.map(
      (m): FormRow => ({
        kind: 'toggle', id: `judge-${m.id}`, label: `  judge ${m.id}`, on: judges.includes(m.id),
        note: preference.judges.length ? undefined : judges.includes(m.id) ? 'by default (the judge-role models, else the targets)' : undefined,
        apply: (on) => {
          const next = on ? [...judges, m.id] : judges.filter((j) => j !== m.id);
          return next.length ? (put({ judges: models.map((x) => x.id).filter((id) => next.includes(id)) }), null) : 'preference needs a judge: keep one, or switch preference off';
        },
      }),
    ),
    {
      kind: 'choice', id: 'condition-judges', label: '  condition judges', value: conditionJudges, options: Object.keys(CONDITION_JUDGES),
      note: 'each condition\'s own model judges too (auto: when all of them can)',
      apply: (v) => (put({ conditionJudges: CONDITION_JUDGES[v as keyof typeof CONDITION_JUDGES] }), null),
    },
  ];
}

function evaluationRows(draft: Draft, set: (d: Draft) => void, preview: DatasetPreview | null, check: PromptFileCheck): FormRow[] {
  const e = draft.session.evaluation;
  const put = (patch: Partial<Evaluation>) => set(withSession(draft, { evaluation: { ...e, ...patch } }));
  const toggle = (id: string, label: string, on: boolean, flip: (on: boolean) => void, note: string): FormRow => ({ kind: 'toggle', id, label, on, note, apply: (v) => (flip(v), null) });
  const rows: FormRow[] = [
    numberRow('answers', 'answers', e.answers, positiveInt, 'a whole number, 1 or more', (n) => put({ answers: n }), 'test instructions each model answers, at most'),
    toggle('perplexity', 'perplexity', e.perplexity, (on) => put({ perplexity: on }), 'of the human test responses under each model'),
    toggle('diversity', 'diversity', e.diversity.enabled, (on) => put({ diversity: { ...e.diversity, enabled: on } }), 'lexical, syntactic and semantic, of the answers'),
  ];
  if (e.diversity.enabled) {
    rows.push({
      kind: 'choice', id: 'embedder', label: '  embedder', value: e.diversity.embedder, options: ['builtin', ...draft.session.models.map((m) => m.id)],
      note: 'one for every condition, so semantic numbers compare', apply: (v) => (put({ diversity: { ...e.diversity, embedder: v } }), null),
    });
  }
  rows.push(toggle('safety', 'safety', e.safety.enabled, (on) => put({ safety: { ...e.safety, enabled: on } }), 'answers to harmful prompts, refused or rated'));
  if (e.safety.enabled) rows.push(...safetyRows(draft, (patch) => put({ safety: { ...e.safety, ...patch } }), preview, check));
  rows.push(toggle('preference', 'preference', e.preference.enabled, (on) => put({ preference: { ...e.preference, enabled: on } }), 'judges pick between answers (self-preference)'));
  if (e.preference.enabled) rows.push(...preferenceRows(draft, (patch) => put({ preference: { ...e.preference, ...patch } })));
  return rows;
}

/** Wizard cell 4: which evaluations run, with their prompts, judges and embedder. */
export function Evaluation() {
  const app = useApp();
  const theme = useTheme();
  const draft = app.draft;
  const safety = draft?.session.evaluation.safety;
  const path = safety?.enabled && safety.promptsPath ? safety.promptsPath : null;
  const { preview, error } = useDatasetPreview(path, PREVIEW_ROWS);
  const check = usePromptFileCheck(safety && path ? safety : { enabled: false, promptField: '' });
  const rows = draft ? evaluationRows(draft, app.setDraft, preview, check) : [];
  const form = useForm(rows, (message) => app.notify(message, 'error'));

  const onAction = (action: ActionOf<typeof EVALUATION_KEYS>) => {
    if (form.act(action)) return;
    if (action === 'leave') return leaveWizard(app);
    if (!draft) return;
    if (action === 'save') saveDraft(app, draft);
    else if (action === 'prev') app.replace({ screen: 'conditions' });
    else if (action === 'next') app.notify('Evaluation is the last cell of the wizard: w saves the session');
  };
  useScreenKeys(EVALUATION_KEYS, onAction, form.text);

  if (!draft || !safety) return <Text>No session is being edited.</Text>;
  const width = app.size.columns - 2;
  const shown = preview ? [safety.promptField, ...(safety.contextField ? [safety.contextField] : [])] : [];
  const previewRows = preview?.records.map((r) => shown.map((c) => (r[c] === undefined || r[c] === null ? '' : String(r[c])))) ?? [];
  return (
    <ScreenFrame title={draft.isNew ? 'New session' : `Edit ${draft.session.name}`} bindings={EVALUATION_KEYS} editing={form.text !== null}>
      <WizardCells draft={draft} active="evaluation" width={width}>
        <FormView rows={rows} selected={form.selected} editing={form.editing} width={width - 4} height={app.size.rows - WIZARD_CHROME_ROWS - (preview ? PREVIEW_ROWS + 3 : 0)} />
        {error ? <Text color={theme.color.error}>{error}</Text> : null}
        {preview ? (
          <Box flexDirection="column" marginTop={1}>
            <Text color={theme.color.muted} wrap="truncate-end">
              {truncate(theme, `Prompt file: first ${preview.records.length} rows (columns: ${sanitizeLine(preview.columns.join(', '))})`, width - 4)}
            </Text>
            <Table columns={shown} rows={previewRows} width={width - 4} />
          </Box>
        ) : null}
      </WizardCells>
    </ScreenFrame>
  );
}
