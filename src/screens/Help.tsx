import { Text } from 'ink';
import { useState } from 'react';
import { wrapWords } from '../charts/index.js';
import { ScreenFrame } from '../components/ScreenFrame.js';
import { useApp } from '../ui/context.js';
import { FILTER_CLEAR_KEYS, filterStatus, matchesFilter, useTextFilter } from '../ui/filter.js';
import { GLOSSARY, type GlossaryEntry } from '../ui/glossary.js';
import { useScreenKeys } from '../ui/input.js';
import { bindingLabel } from '../ui/key-match.js';
import { HELP_KEYS, KEYMAP_SECTIONS, type ActionOf } from '../ui/keymaps.js';
import { useTheme } from '../ui/theme.js';
import { sanitizeLine } from '../util/sanitize.js';
import { displayWidth, pad } from '../util/text-width.js';

const KEY_WIDTH = 14;
/** Title, margins and key bar around the list. */
const CHROME_ROWS = 5;
const GLOSSARY_TITLE = 'Glossary: what each measure means';

/** One entry of the help: a key binding or a glossary term, under its section, as the rows it takes. */
interface Entry {
  section: string;
  /** What the filter searches. */
  text: string;
  rows: { lead: string; body: string }[];
}

/** `text` wrapped beside `lead` (a key or a term `leadWidth` wide), so a long line is read whole rather than cut. */
function besideLead(lead: string, leadWidth: number, text: string, width: number): Entry['rows'] {
  return wrapWords(text, Math.max(20, width - leadWidth - 3)).map((body, i) => ({ lead: `  ${pad(i === 0 ? lead : '', leadWidth)}`, body }));
}

/** Every key binding, then every term, as entries, each text wrapped beside its key or term. */
function helpEntries(width: number, ascii: boolean): Entry[] {
  const keys = KEYMAP_SECTIONS.flatMap((section) =>
    section.bindings.map((b): Entry => {
      const label = bindingLabel(b, ascii);
      return { section: section.title, text: `${section.title} ${label} ${b.help}`, rows: besideLead(label, KEY_WIDTH, b.help, width) };
    }),
  );
  // ASCII shows some terms otherwise: as the marks they name are printed there.
  const termOf = (g: GlossaryEntry) => (ascii && g.asciiTerm) || g.term;
  const termWidth = Math.max(...GLOSSARY.map((g) => displayWidth(termOf(g)))) + 2;
  const terms = GLOSSARY.map((g): Entry => ({ section: GLOSSARY_TITLE, text: `${termOf(g)} ${g.text}`, rows: besideLead(termOf(g), termWidth, g.text, width) }));
  return [...keys, ...terms];
}

type Row = { title: string } | { lead: string; body: string };

/** The entries that match the filter as rows, each section's title above its first entry. */
function helpRows(entries: readonly Entry[], query: string): { rows: Row[]; starts: Record<string, number>; matched: number } {
  const rows: Row[] = [];
  const starts: Record<string, number> = {};
  let section = '';
  let matched = 0;
  for (const entry of entries) {
    if (!matchesFilter(entry.text, query)) continue;
    matched++;
    if (entry.section !== section) {
      section = entry.section;
      starts[section] = rows.length;
      rows.push({ title: section });
    }
    rows.push(...entry.rows);
  }
  return { rows, starts, matched };
}

/**
 * Every key binding, generated from the same tables the input owner dispatches, and a glossary
 * of every measure; scrolls when taller than the terminal, and `/` filters it by text.
 */
export function Help({ from }: { from?: string }) {
  const app = useApp();
  const theme = useTheme();
  const entries = helpEntries(app.size.columns, theme.ascii);
  const filter = useTextFilter(() => setOffset(0));
  const { rows, starts, matched } = helpRows(entries, filter.query);
  const height = Math.max(1, app.size.rows - CHROME_ROWS);
  const maxOffset = Math.max(0, rows.length - height);
  const fromTitle = KEYMAP_SECTIONS.find((s) => s.screen === from)?.title;
  const [offset, setOffset] = useState(() => Math.min(maxOffset, (fromTitle && starts[fromTitle]) || 0));
  const by = { up: -1, down: 1, pageUp: -height, pageDown: height };
  const bindings = filter.query ? [...FILTER_CLEAR_KEYS, ...HELP_KEYS] : HELP_KEYS;
  const onAction = (action: ActionOf<typeof bindings>) => {
    if (action === 'filter') return filter.start();
    if (action === 'clearFilter') return filter.clear();
    setOffset(Math.max(0, Math.min(maxOffset, offset + by[action])));
  };
  useScreenKeys(bindings, onAction, filter.field);
  const first = Math.min(offset, maxOffset);
  const position = maxOffset > 0 ? `lines ${first + 1}-${first + height} of ${rows.length}` : undefined;
  const status = filter.query || filter.field ? filterStatus(filter, matched, entries.length, '_') : undefined;
  return (
    <ScreenFrame title="Keys and glossary" subtitle={[status, position].filter(Boolean).join(`  ${theme.glyph.sep} `) || undefined} bindings={bindings} editing={filter.field !== null}>
      {rows.slice(first, first + height).map((row, i) =>
        'title' in row ? (
          <Text key={i} color={theme.color.accent} bold={theme.emphasis}>
            {row.title}
          </Text>
        ) : (
          <Text key={i} wrap="truncate-end">
            <Text color={theme.color.accent}>{row.lead}</Text>
            <Text>{row.body}</Text>
          </Text>
        ),
      )}
      {rows.length === 0 ? <Text color={theme.color.muted}>{`nothing matches "${sanitizeLine(filter.query)}": Esc clears the filter`}</Text> : null}
    </ScreenFrame>
  );
}
