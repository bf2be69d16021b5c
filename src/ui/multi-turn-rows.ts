import { MultiTurnPolicy, type DataConfig } from '../domain/session.js';
import type { DatasetPreview } from './dataset-preview.js';
import type { FormRow } from './form.js';

const NONE = '(none)';

const POLICY_NOTES: Record<MultiTurnPolicy, string> = {
  history: 'earlier turns come before the instruction, as chat turns',
  'last-turn': 'only the last exchange is used',
  skip: 'multi-turn records are left out',
};

/**
 * The Data cell's rows for multi-turn records: where their earlier turns are (a history field,
 * or a field holding each whole conversation) and what becomes of them.
 */
export function multiTurnRows(data: DataConfig, setData: (patch: Partial<DataConfig>) => void, preview: DatasetPreview | null): FormRow[] {
  const columns = preview?.columns ?? [];
  const field = (id: 'history' | 'messages', label: string, value: string | undefined, note: string, set: (v: string | undefined) => void): FormRow => {
    const missing = value && columns.length && !columns.includes(value) ? 'not in the file' : undefined;
    return columns.length
      ? { kind: 'choice', id: `field-${id}`, label, value: value || NONE, options: [NONE, ...columns], note: missing ?? note, tone: 'muted', apply: (v) => (set(v === NONE ? undefined : v), null) }
      : { kind: 'text', id: `field-${id}`, label, value: value ?? '', note: `${note}; empty: none`, apply: (v) => (set(v.trim() || undefined), null) };
  };
  return [
    field('history', 'history field', data.fields.history, 'earlier [instruction, response] pairs or messages', (v) => setData({ fields: { ...data.fields, history: v ?? '' } })),
    field('messages', 'conversation field', data.fields.messages, 'whole chats: the last exchange is the instruction and response', (v) =>
      setData({ fields: { ...data.fields, messages: v } }),
    ),
    {
      kind: 'choice', id: 'multi-turn', label: 'multi-turn records', value: data.multiTurn, options: [...MultiTurnPolicy.options], note: POLICY_NOTES[data.multiTurn],
      apply: (v) => (setData({ multiTurn: MultiTurnPolicy.parse(v) }), null),
    },
  ];
}
