import { Text } from 'ink';
import { useState } from 'react';
import { FormView } from '../components/FormView.js';
import { ScreenFrame } from '../components/ScreenFrame.js';
import { WIZARD_CHROME_ROWS, WizardCells } from '../components/WizardCells.js';
import type { SizeTier } from '../domain/session.js';
import { conditionName, formatMix, PAPER_KINDS, paperCondition, parseMix } from '../ui/conditions.js';
import { useApp, type Draft } from '../ui/context.js';
import { judgeWarning, leaveWizard, saveDraft, withCondition, withoutCondition } from '../ui/draft.js';
import { useForm, type FormRow } from '../ui/form.js';
import { useScreenKeys } from '../ui/input.js';
import { sanitizeLine } from '../util/sanitize.js';
import { CONDITIONS_KEYS, type ActionOf } from '../ui/keymaps.js';
import { useTheme } from '../ui/theme.js';

type SourceSize = SizeTier | 'target';
const SOURCE_SIZES: readonly SourceSize[] = ['target', 'small', 'medium', 'large'];

function conditionRows(draft: Draft, set: (d: Draft) => void, sourceSize: SourceSize, setSourceSize: (s: SourceSize) => void): FormRow[] {
  const { models, conditions } = draft.session;
  const rows: FormRow[] = [
    {
      kind: 'choice', id: 'source-size', label: 'source size', value: sourceSize, options: SOURCE_SIZES,
      note: 'size tier of the sources for single/multi ("target": the target\'s own)',
      apply: (v) => (setSourceSize(v as SourceSize), null),
    },
  ];
  for (const target of models.filter((m) => m.roles.includes('target'))) {
    for (const kind of PAPER_KINDS) {
      const name = conditionName(target.id, kind);
      const existing = conditions.find((c) => c.name === name);
      const derived = paperCondition(models, target, kind, sourceSize);
      const unavailable = typeof derived === 'string' ? derived : undefined;
      rows.push({
        kind: 'toggle', id: name, label: name, on: Boolean(existing), disabled: !existing && unavailable !== undefined,
        note: existing ? existing.sources.map((s) => s.model).join(', ') : unavailable, tone: unavailable && !existing ? 'warn' : 'muted',
        apply: (on) => {
          if (!on) return (set(withoutCondition(draft, name)), null);
          return typeof derived === 'string' ? derived : (set(withCondition(draft, derived)), null);
        },
      });
    }
    const mixName = conditionName(target.id, 'mix');
    const mix = conditions.find((c) => c.name === mixName);
    rows.push({
      kind: 'text', id: mixName, label: mixName, value: formatMix(mix), note: mix ? undefined : 'custom mix: model:weight, … (empty: none)',
      apply: (v) => {
        if (!v.trim()) return (set(withoutCondition(draft, mixName)), null);
        const parsed = parseMix(target.id, v, models);
        return typeof parsed === 'string' ? parsed : (set(withCondition(draft, parsed)), null);
      },
    });
  }
  return rows;
}

/** Wizard cell 3: which conditions each target is trained under. */
export function Conditions() {
  const app = useApp();
  const theme = useTheme();
  const [sourceSize, setSourceSize] = useState<SourceSize>('target');
  const draft = app.draft;
  const rows = draft ? conditionRows(draft, app.setDraft, sourceSize, setSourceSize) : [];
  const form = useForm(rows, (message) => app.notify(message, 'error'));

  const onAction = (action: ActionOf<typeof CONDITIONS_KEYS>) => {
    if (form.act(action) || !draft) return;
    if (action === 'save') saveDraft(app, draft);
    else if (action === 'leave') leaveWizard(app);
    else if (action === 'next') app.replace({ screen: 'evaluation' });
    else if (action === 'prev') app.replace({ screen: 'models' });
  };
  useScreenKeys(CONDITIONS_KEYS, onAction, form.text);

  if (!draft) return <Text>No session is being edited.</Text>;
  const width = app.size.columns - 2;
  const warning = judgeWarning(draft.session);
  return (
    <ScreenFrame title={draft.isNew ? 'New session' : `Edit ${draft.session.name}`} bindings={CONDITIONS_KEYS} editing={form.text !== null}>
      <WizardCells draft={draft} active="conditions" width={width}>
        <FormView rows={rows} selected={form.selected} editing={form.editing} width={width - 4} height={app.size.rows - WIZARD_CHROME_ROWS - 1 - (warning ? 1 : 0)} />
        {rows.length === 1 ? <Text>No target models: go back (Shift-Tab) and give a model the target role.</Text> : null}
        {warning ? (
          <Text color={theme.color.warn} wrap="truncate-end">
            {sanitizeLine(warning)}
          </Text>
        ) : null}
      </WizardCells>
    </ScreenFrame>
  );
}
