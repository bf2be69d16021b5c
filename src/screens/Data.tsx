import { Box, Text } from 'ink';
import { FormView } from '../components/FormView.js';
import { ScreenFrame } from '../components/ScreenFrame.js';
import { Table } from '../components/Table.js';
import { WIZARD_CHROME_ROWS, WizardCells } from '../components/WizardCells.js';
import type { DataConfig } from '../domain/session.js';
import { sanitizeSessionName } from '../pipeline/store.js';
import { useApp, type Draft } from '../ui/context.js';
import { absoluteDatasetPath, checkDatasetPath, type DatasetPreview } from '../ui/dataset-preview.js';
import { leaveWizard, saveDraft, withSession } from '../ui/draft.js';
import { numberRow, parseNumber, useForm, type FormRow } from '../ui/form.js';
import { useScreenKeys } from '../ui/input.js';
import { multiTurnRows } from '../ui/multi-turn-rows.js';
import { DATA_KEYS, type ActionOf } from '../ui/keymaps.js';
import { truncate, useTheme } from '../ui/theme.js';
import { useDatasetPreview } from '../ui/use-dataset-preview.js';
import { sanitizeLine } from '../util/sanitize.js';

const BUILTIN = 'builtin sotu-continuations';
const FILE = 'file';
const FIELD_KEYS = ['instruction', 'context', 'response', 'category'] as const;
const PREVIEW_ROWS = 5;
const NO_FIELD = '(none)';

function dataRows(draft: Draft, set: (d: Draft) => void, preview: DatasetPreview | null): FormRow[] {
  const s = draft.session;
  const data = s.data;
  const setData = (patch: Partial<DataConfig>) => set(withSession(draft, { data: { ...data, ...patch } }));
  const rows: FormRow[] = [];
  if (draft.isNew) {
    rows.push({
      kind: 'text', id: 'name', label: 'session name', value: s.name,
      apply: (v) => {
        try {
          set(withSession(draft, { name: sanitizeSessionName(v) }));
          return null;
        } catch (err) {
          return (err as Error).message;
        }
      },
    });
  }
  rows.push({ kind: 'text', id: 'description', label: 'description', value: s.description, apply: (v) => (set(withSession(draft, { description: v })), null) });
  rows.push({
    kind: 'choice', id: 'source', label: 'dataset', value: data.source.kind === 'builtin' ? BUILTIN : FILE, options: [BUILTIN, FILE],
    note: data.source.kind === 'builtin' ? 'instructions derived from the builtin corpus; needs nothing' : undefined,
    apply: (v) => (setData({ source: v === BUILTIN ? { kind: 'builtin', name: 'sotu-continuations' } : { kind: 'file', path: '' } }), null),
  });
  if (data.source.kind === 'file') {
    const check = checkDatasetPath(data.source.path);
    rows.push({
      kind: 'text', id: 'path', label: 'file', value: data.source.path,
      note: check.ok ? 'found' : check.reason, tone: check.ok ? 'ok' : 'error',
      apply: (v) => (setData({ source: { kind: 'file', path: absoluteDatasetPath(v) } }), null),
    });
    for (const field of FIELD_KEYS) {
      const required = field === 'instruction' || field === 'response';
      const value = data.fields[field];
      const found = preview?.columns.includes(value);
      const setField = (v: string) => (setData({ fields: { ...data.fields, [field]: v } }), null);
      // Context and category are optional: "(none)" (an empty name) maps no column to them.
      const row: FormRow = preview?.columns.length
        ? {
            kind: 'choice', id: `field-${field}`, label: `${field} field`, value: value || NO_FIELD, options: required ? preview.columns : [NO_FIELD, ...preview.columns],
            note: found || (!required && !value) ? undefined : 'not in the file', tone: required ? 'error' : 'muted',
            apply: (v) => setField(v === NO_FIELD ? '' : v),
          }
        : { kind: 'text', id: `field-${field}`, label: `${field} field`, value, note: required ? undefined : 'empty: none', apply: (v) => setField(v.trim()) };
      rows.push(row);
    }
    rows.push(...multiTurnRows(data, setData, preview));
  }
  rows.push(
    numberRow('test', 'test fraction', data.testFraction, (x) => x > 0 && x < 1, 'a number between 0 and 1, e.g. 0.1', (n) => setData({ testFraction: n }), 'held out for perplexity and answers'),
    numberRow('seed', 'seed', s.seed, (x) => Number.isInteger(x) && x >= 0, 'a whole number, 0 or more', (n) => set(withSession(draft, { seed: n })), 'every random choice derives from it'),
  );
  rows.push({
    kind: 'text', id: 'subsample', label: 'subsample', value: data.subsample === undefined ? '' : String(data.subsample), note: 'records to keep (empty: all)',
    apply: (v) => {
      if (!v.trim()) return (setData({ subsample: undefined }), null);
      const n = parseNumber(v, (x) => Number.isInteger(x) && x > 0);
      return n === null ? 'subsample: a positive whole number, or empty for all records' : (setData({ subsample: n }), null);
    },
  });
  return rows;
}

/** Wizard cell 1: which human data, how its fields map, and how it is split. */
export function Data() {
  const app = useApp();
  const theme = useTheme();
  const draft = app.draft;
  const source = draft?.session.data.source;
  const { preview, error } = useDatasetPreview(source?.kind === 'file' ? source.path : null, PREVIEW_ROWS);
  const rows = draft ? dataRows(draft, app.setDraft, preview) : [];
  const form = useForm(rows, (message) => app.notify(message, 'error'));

  const onAction = (action: ActionOf<typeof DATA_KEYS>) => {
    if (form.act(action)) return;
    if (action === 'next') app.replace({ screen: 'models' });
    else if (action === 'prev') app.notify('Data is the first cell of the wizard');
    else if (action === 'save' && draft) saveDraft(app, draft);
    else if (action === 'leave') leaveWizard(app);
  };
  useScreenKeys(DATA_KEYS, onAction, form.text);

  if (!draft) return <Text>No session is being edited.</Text>;
  const width = app.size.columns - 2;
  const fields = draft.session.data.fields;
  const previewRows = preview?.records.map((r) => FIELD_KEYS.map((f) => (r[fields[f]] === undefined ? '' : String(r[fields[f]])))) ?? [];
  return (
    <ScreenFrame title={draft.isNew ? 'New session' : `Edit ${draft.session.name}`} bindings={DATA_KEYS} editing={form.text !== null}>
      <WizardCells draft={draft} active="data" width={width}>
        <FormView rows={rows} selected={form.selected} editing={form.editing} width={width - 4} height={app.size.rows - WIZARD_CHROME_ROWS - (preview ? PREVIEW_ROWS + 3 : 0)} />
        {error ? <Text color={theme.color.error}>{error}</Text> : null}
        {preview ? (
          <Box flexDirection="column" marginTop={1}>
            {/* One row, as the form's height counts it: a wide file's column list would wrap and push the form off the top. */}
            <Text color={theme.color.muted} wrap="truncate-end">
              {truncate(theme, `Preview: first ${preview.records.length} records (columns: ${sanitizeLine(preview.columns.join(', '))})`, width - 4)}
            </Text>
            <Table columns={[...FIELD_KEYS]} rows={previewRows} width={width - 4} />
          </Box>
        ) : null}
      </WizardCells>
    </ScreenFrame>
  );
}
