import type { Key } from 'ink';
import { sanitizeLine } from '../util/sanitize.js';

/**
 * One keystroke applied to a single-line text field whose cursor sits at the end. Pasted text
 * arrives as one multi-character input; it is sanitised so a paste cannot smuggle escapes.
 */
export function editText(value: string, input: string, key: Key): string {
  if (key.backspace || key.delete) return value.slice(0, -1);
  if (key.ctrl || key.meta || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.tab) return value;
  return value + sanitizeLine(input);
}

/** Printable characters only, typed without Ctrl or Meta: text, not a key combination. */
export const isCharacter = (input: string, key: Key) => !key.ctrl && !key.meta && /^[^\p{Cc}\p{Cf}]+$/u.test(input);

/**
 * A chunk of terminal input as the keystrokes it holds. Ink hands over a run of keys as one
 * string (a paste, "jjj" from a held key over ssh): each character is its own keystroke. Text
 * sent with Enter at its end (a paste with its newline, tmux send-keys) is that text, then
 * Enter: kept whole, the line end was dropped as a control character and the prompt stayed
 * open. A newline inside the text is not taken as Enter, so a pasted paragraph never types its
 * later lines as keys.
 */
export function keystrokes(input: string, key: Key): { input: string; key: Key }[] {
  if (key.ctrl || key.meta) return [{ input, key }];
  const line = /^([^\r\n]+)(?:\r\n|\r|\n)$/.exec(input);
  const text = line ? line[1] : input;
  if (!isCharacter(text, key) || (!line && [...text].length < 2)) return [{ input, key }];
  const chars = [...text].map((ch) => ({ input: ch, key: { ...key, shift: ch !== ch.toLowerCase() } }));
  return line ? [...chars, { input: '\r', key: { ...key, return: true, shift: false } }] : chars;
}
