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
