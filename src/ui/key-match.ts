import type { Key } from 'ink';

/**
 * Key bindings as data. The root's single input handler matches keystrokes against these;
 * the hint bar and the `?` help screen are generated from the same tables, so what is shown
 * is exactly what works.
 */

export type SpecialKey = 'up' | 'down' | 'left' | 'right' | 'return' | 'escape' | 'tab' | 'pageUp' | 'pageDown' | 'backspace' | 'delete' | 'space';

export interface KeySpec {
  /** A printable character, compared exactly ("R" is shift-r). */
  input?: string;
  special?: SpecialKey;
  ctrl?: boolean;
  shift?: boolean;
}

export interface KeyBinding<A extends string = string> {
  action: A;
  keys: readonly KeySpec[];
  /** What the key does, for the help screen. */
  help: string;
  /** Short word for the hint bar; bindings without one appear in help only. */
  hint?: string;
}

const SPECIAL_TEST: Record<SpecialKey, (input: string, key: Key) => boolean> = {
  up: (_, k) => k.upArrow,
  down: (_, k) => k.downArrow,
  left: (_, k) => k.leftArrow,
  right: (_, k) => k.rightArrow,
  return: (_, k) => k.return,
  escape: (_, k) => k.escape,
  tab: (_, k) => k.tab,
  pageUp: (_, k) => k.pageUp,
  pageDown: (_, k) => k.pageDown,
  backspace: (_, k) => k.backspace,
  delete: (_, k) => k.delete,
  space: (input) => input === ' ',
};

export function specMatches(spec: KeySpec, input: string, key: Key): boolean {
  if (Boolean(spec.ctrl) !== key.ctrl) return false;
  if (spec.special) {
    if (spec.special === 'tab' && Boolean(spec.shift) !== key.shift) return false;
    return SPECIAL_TEST[spec.special](input, key);
  }
  return spec.input !== undefined && input === spec.input && !key.meta;
}

export function findBinding<A extends string>(bindings: readonly KeyBinding<A>[], input: string, key: Key): KeyBinding<A> | undefined {
  return bindings.find((b) => b.keys.some((spec) => specMatches(spec, input, key)));
}

const SPECIAL_LABEL: Record<SpecialKey, [unicode: string, ascii: string]> = {
  up: ['↑', 'Up'],
  down: ['↓', 'Down'],
  left: ['←', 'Left'],
  right: ['→', 'Right'],
  return: ['Enter', 'Enter'],
  escape: ['Esc', 'Esc'],
  tab: ['Tab', 'Tab'],
  pageUp: ['PgUp', 'PgUp'],
  pageDown: ['PgDn', 'PgDn'],
  backspace: ['Bksp', 'Bksp'],
  delete: ['Del', 'Del'],
  space: ['Space', 'Space'],
};

export function specLabel(spec: KeySpec, ascii: boolean): string {
  const base = spec.special ? SPECIAL_LABEL[spec.special][ascii ? 1 : 0] : (spec.input ?? '');
  return `${spec.ctrl ? 'Ctrl-' : ''}${spec.shift ? 'Shift-' : ''}${base}`;
}

export function bindingLabel(binding: KeyBinding, ascii: boolean): string {
  return binding.keys.map((k) => specLabel(k, ascii)).join('/');
}

/** Shorthands that keep the keymap tables readable. */
export const key = {
  char: (input: string): KeySpec => ({ input }),
  special: (special: SpecialKey, mods: { shift?: boolean } = {}): KeySpec => ({ special, ...mods }),
  ctrl: (input: string): KeySpec => ({ input, ctrl: true }),
};
