import { useState } from 'react';
import type { TextField } from './input.js';

/**
 * The rows of a wizard or settings form, described as data; `useForm` gives them cursor
 * movement, cycling and in-place text editing so each screen only says what its fields are.
 * `apply` returns an error message (shown as a notice) or null.
 */

interface RowBase {
  id: string;
  label: string;
  /** Shown after the value: a hint, a check result, or why the row is unavailable. */
  note?: string;
  tone?: 'ok' | 'warn' | 'error' | 'muted';
}

export type FormRow =
  | (RowBase & { kind: 'text'; value: string; apply(value: string): string | null })
  | (RowBase & { kind: 'choice'; value: string; options: readonly string[]; apply(value: string): string | null })
  | (RowBase & { kind: 'toggle'; on: boolean; disabled?: boolean; apply(on: boolean): string | null })
  /** A listed item (a model, an endpoint); screens act on it with their own keys. */
  | (RowBase & { kind: 'item'; value: string });

export interface FormState {
  selected: number;
  row: FormRow | undefined;
  editing: string | null;
  /** Handles move and change actions; false for actions the screen handles itself. */
  act(action: string): boolean;
  text: TextField | null;
}

export function useForm(rows: readonly FormRow[], onError: (message: string) => void): FormState {
  const [rawSelected, setSelected] = useState(0);
  const [editing, setEditing] = useState<string | null>(null);
  const selected = Math.max(0, Math.min(rawSelected, rows.length - 1));
  const row = rows[selected];

  const report = (error: string | null) => {
    if (error) onError(error);
  };

  const act = (action: string): boolean => {
    switch (action) {
      case 'up':
        setSelected(Math.max(0, selected - 1));
        return true;
      case 'down':
        setSelected(Math.min(rows.length - 1, selected + 1));
        return true;
      case 'change':
        if (!row) return true;
        if (row.kind === 'text') setEditing(row.value);
        else if (row.kind === 'choice') {
          const next = row.options[(row.options.indexOf(row.value) + 1) % row.options.length];
          if (next !== undefined) report(row.apply(next));
        } else if (row.kind === 'toggle' && !row.disabled) report(row.apply(!row.on));
        return true;
      default:
        return false;
    }
  };

  const text: TextField | null =
    editing === null || row?.kind !== 'text'
      ? null
      : {
          value: editing,
          onChange: setEditing,
          onSubmit: (value) => {
            setEditing(null);
            report(row.apply(value));
          },
          onCancel: () => setEditing(null),
        };

  return { selected, row, editing: text ? editing : null, act, text };
}

/** The number in `text` if it is one and passes `check`, else null. Beyond 2^53 digits are lost ("99999999999999999999" reads 1e20). */
export function parseNumber(text: string, check: (n: number) => boolean): number | null {
  const n = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER && check(n) ? n : null;
}

/** A text row holding a number: refuses anything `check` rejects with "<label>: <expected>". */
export function numberRow(id: string, label: string, value: number, check: (n: number) => boolean, expected: string, put: (n: number) => void, note?: string): FormRow {
  return {
    kind: 'text', id, label, value: String(value), note,
    apply: (v) => {
      const n = parseNumber(v, check);
      return n === null ? `${label}: ${expected}` : (put(n), null);
    },
  };
}
