import { useState } from 'react';
import { sanitizeLine } from '../util/sanitize.js';
import type { TextField } from './input.js';
import { key, type KeyBinding } from './key-match.js';

/**
 * A `/` text filter over a list, as in less or nvitop: typing narrows the rows as it goes,
 * Enter keeps the filter, Esc (while typing, or after) clears it.
 */

export const FILTER_KEYS = [{ action: 'filter', keys: [key.char('/')], help: 'filter the rows by text: Enter keeps the filter, Esc clears it', hint: 'filter' }] as const satisfies readonly KeyBinding[];

/** In front of a screen's keys while a filter is kept, so Esc clears it before it goes back. */
export const FILTER_CLEAR_KEYS = [{ action: 'clearFilter', keys: [key.special('escape')], help: 'clear the filter', hint: 'clear filter' }] as const satisfies readonly KeyBinding[];

/** Every word of the query is in the text, ignoring case ("ppl small" matches "mean perplexity founders-small"). */
export function matchesFilter(text: string, query: string): boolean {
  const haystack = text.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word));
}

export interface TextFilter {
  /** The filter in effect ('' for none), also while it is being typed. */
  query: string;
  /** The field to hand the input owner while the filter is being typed, else null. */
  field: TextField | null;
  start(): void;
  clear(): void;
}

/** `onChange` is told whenever the query changes (a list scrolled to its top, say). */
export function useTextFilter(onChange: () => void = () => {}): TextFilter {
  const [query, setQuery] = useState('');
  const [editing, setEditing] = useState(false);
  const set = (q: string) => {
    setQuery(q);
    onChange();
  };
  const clear = () => {
    set('');
    setEditing(false);
  };
  const field: TextField | null = editing
    ? { value: query, onChange: set, onSubmit: (q) => (q.trim() ? setEditing(false) : clear()), onCancel: clear }
    : null;
  return { query, field, start: () => setEditing(true), clear };
}

/** The line a filtered list shows of itself: "/ppl small: 12 of 588 rows", with a cursor while typed. */
export function filterStatus(filter: TextFilter, shown: number, total: number, cursor: string): string {
  return `/${sanitizeLine(filter.query)}${filter.field ? cursor : ''}: ${shown} of ${total} rows${filter.field ? ' · Enter keeps, Esc clears' : ' · Esc clears, / edits'}`;
}
