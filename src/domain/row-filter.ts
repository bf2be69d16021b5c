/**
 * The row filter of a harmful-prompt file (`evaluation.safety.filter`): which of its rows are
 * used, by the value of any column. The grammar is deliberately small:
 *
 *   filter := clause ( AND clause )*
 *   clause := column == value | column != value | column in ( value, value, … )
 *
 * A column or value is a bare word (no spaces, quotes, `=`, `!`, `(`, `)` or `,`) or is quoted
 * with "…" or '…' (a backslash escapes the quote). AND and in are any case. Cells compare as
 * text, exactly: a missing or null cell is the empty text, a number its decimal form.
 * Examples: `FunctionalCategory == standard`; `source != AdvBench`;
 * `SemanticCategory in (cybercrime_intrusion, "chemical_biological") AND FunctionalCategory == standard`.
 */

export type RowCondition = { column: string; op: '==' | '!='; value: string } | { column: string; op: 'in'; values: string[] };

const EXAMPLE = 'e.g. FunctionalCategory == standard AND source in (a, "b c")';

type Token = { kind: 'word' | 'quoted'; text: string } | { kind: 'symbol'; text: '==' | '!=' | '(' | ')' | ',' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(==|!=|[(),])|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^\s=!(),"']+))/y;
  let at = 0;
  while (at < text.length) {
    if (!text.slice(at).trim()) break;
    pattern.lastIndex = at;
    const m = pattern.exec(text);
    const rest = text.slice(at).trim();
    if (!m && /^[=!](?!=)/.test(rest)) throw new Error(`filter: "${rest[0]}" is not an operator — use == (equals), != (not equals) or in (one of) (${EXAMPLE})`);
    if (!m) throw new Error(`filter: cannot read "${text.slice(at).trim()}" — quote values holding spaces or = ! ( ) , (${EXAMPLE})`);
    at = pattern.lastIndex;
    if (m[1]) tokens.push({ kind: 'symbol', text: m[1] as '==' | '!=' | '(' | ')' | ',' });
    else if (m[2] !== undefined || m[3] !== undefined) tokens.push({ kind: 'quoted', text: (m[2] ?? m[3]).replace(/\\(.)/g, '$1') });
    else tokens.push({ kind: 'word', text: m[4] });
  }
  return tokens;
}

const isKeyword = (t: Token | undefined, word: string) => t?.kind === 'word' && t.text.toLowerCase() === word;

/** The clauses of a filter (all must hold); an empty filter has none. Throws a one-line error saying what is wrong. */
export function parseRowFilter(text: string): RowCondition[] {
  const tokens = tokenize(text);
  let i = 0;
  const describe = (t: Token | undefined) => (t ? `"${t.text}"` : 'the end');
  const operand = (what: string): string => {
    const t = tokens[i];
    if (t?.kind !== 'word' && t?.kind !== 'quoted') throw new Error(`filter: expected ${what}, found ${describe(t)} (${EXAMPLE})`);
    i++;
    return t.text;
  };
  const expect = (symbol: string) => {
    if (tokens[i]?.text !== symbol || tokens[i]?.kind !== 'symbol') throw new Error(`filter: expected "${symbol}", found ${describe(tokens[i])} (${EXAMPLE})`);
    i++;
  };
  const clauses: RowCondition[] = [];
  if (!tokens.length) return clauses;
  for (;;) {
    const column = operand('a column name');
    const op = tokens[i];
    if (op?.kind === 'symbol' && (op.text === '==' || op.text === '!=')) {
      i++;
      clauses.push({ column, op: op.text, value: operand(`a value after ${op.text}`) });
    } else if (isKeyword(op, 'in')) {
      i++;
      expect('(');
      const values = [operand('a value in the list')];
      while (tokens[i]?.kind === 'symbol' && tokens[i].text === ',') {
        i++;
        values.push(operand('a value after ","'));
      }
      expect(')');
      clauses.push({ column, op: 'in', values });
    } else {
      throw new Error(`filter: expected ==, != or in after "${column}", found ${describe(op)} (${EXAMPLE})`);
    }
    if (i === tokens.length) return clauses;
    if (!isKeyword(tokens[i], 'and')) throw new Error(`filter: expected AND between clauses, found ${describe(tokens[i])} (${EXAMPLE})`);
    i++;
  }
}

/** A cell as the filter compares it. */
export function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** Whether a record passes every clause. */
export function rowMatches(clauses: readonly RowCondition[], record: Readonly<Record<string, unknown>>): boolean {
  return clauses.every((c) => {
    const cell = cellText(record[c.column]);
    if (c.op === 'in') return c.values.includes(cell);
    return c.op === '==' ? cell === c.value : cell !== c.value;
  });
}

/** The columns a filter reads, once each. */
export function filterColumns(clauses: readonly RowCondition[]): string[] {
  return [...new Set(clauses.map((c) => c.column))];
}
