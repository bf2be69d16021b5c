import { printParseErrorCode, visit } from 'jsonc-parser';
import { sanitizeLine } from './sanitize.js';

/** jsonc-parser's error codes in words. */
const WORDS: Record<ReturnType<typeof printParseErrorCode>, string> = {
  InvalidSymbol: 'unexpected text',
  InvalidNumberFormat: 'a malformed number',
  PropertyNameExpected: 'a key in double quotes is expected',
  ValueExpected: 'a value is expected',
  ColonExpected: 'a ":" is expected',
  CommaExpected: 'a "," is expected',
  CloseBraceExpected: 'a closing "}" is expected',
  CloseBracketExpected: 'a closing "]" is expected',
  EndOfFileExpected: 'text after the end of the JSON',
  InvalidCommentToken: 'JSON has no comments',
  UnexpectedEndOfComment: 'an unfinished comment',
  UnexpectedEndOfString: 'an unfinished string',
  UnexpectedEndOfNumber: 'an unfinished number',
  InvalidUnicode: 'a malformed \\u escape',
  InvalidEscapeCharacter: 'a malformed escape',
  InvalidCharacter: 'a control character inside a string (write it as an escape such as \\n)',
  '<unknown ParseErrorCode>': 'not valid JSON',
};

/** How much of the faulty line is shown on either side of the fault. */
const CONTEXT = 30;

/**
 * Where a text that JSON.parse refused breaks, for a person with an editor: "line 3, column 5:
 * a "," is expected, at `  "seed": 7 "name"…`", the line sanitised and cut around the fault.
 * JSON.parse itself gives a character position at best (and none for an unexpected token), so
 * the text is read again by jsonc-parser, whose errors always carry a line and column.
 */
export function jsonSyntaxProblem(text: string, parseError: Error): string {
  let found: { code: ReturnType<typeof printParseErrorCode>; line: number; column: number } | undefined;
  visit(
    text,
    {
      onError: (code, _offset, _length, line, column) => {
        found ??= { code: printParseErrorCode(code), line, column };
      },
    },
    { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
  );
  if (!found) return parseError.message;
  const lineText = text.split(/\r\n|\r|\n/)[found.line] ?? '';
  const from = Math.max(0, found.column - CONTEXT);
  const to = Math.min(lineText.length, found.column + CONTEXT);
  const shown = `${from > 0 ? '…' : ''}${lineText.slice(from, to)}${to < lineText.length ? '…' : ''}`;
  const at = shown.trim() ? `, at \`${sanitizeLine(shown)}\`` : '';
  return `line ${found.line + 1}, column ${found.column + 1}: ${WORDS[found.code]}${at}`;
}
