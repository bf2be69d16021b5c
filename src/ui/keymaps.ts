import { FILTER_CLEAR_KEYS, FILTER_KEYS } from './filter.js';
import { key, type KeyBinding } from './key-match.js';
import { COMPARE_KEYS, RESULTS_KEYS, RESULTS_ZOOM_KEYS } from './results/keymaps.js';

/**
 * Every key the TUI understands, per screen. The root input owner dispatches through these
 * tables; KeyHints and Help render them.
 */

const up = key.special('up');
const down = key.special('down');
const enter = key.special('return');
const esc = key.special('escape');
const tab = key.special('tab');
const shiftTab = key.special('tab', { shift: true });

const move = [
  { action: 'up', keys: [up, key.char('k')], help: 'move up', hint: 'move' },
  { action: 'down', keys: [down, key.char('j')], help: 'move down' },
] as const satisfies readonly KeyBinding[];

/** Every wizard cell's way out: save, or leave. */
const wizardExit = [
  { action: 'save', keys: [key.char('w')], help: 'write the session and open its Run notebook; what a run would trip over is said at once', hint: 'save' },
  // Before the global back: leaving the wizard asks first when there are unsaved changes.
  { action: 'leave', keys: [key.char('q'), esc], help: 'leave the wizard (asks before discarding unsaved changes)' },
] as const satisfies readonly KeyBinding[];

const wizardFlow = [
  { action: 'next', keys: [tab], help: 'next cell of the wizard', hint: 'next cell' },
  { action: 'prev', keys: [shiftTab], help: 'previous cell of the wizard' },
  ...wizardExit,
] as const satisfies readonly KeyBinding[];

export const GLOBAL_KEYS = [
  { action: 'help', keys: [key.char('?')], help: 'show every key binding', hint: 'help' },
  { action: 'back', keys: [key.char('q'), esc], help: 'go back (quits from the sessions list; a run keeps going)', hint: 'back' },
  { action: 'quit', keys: [key.ctrl('c')], help: 'quit the TUI (runs keep going)' },
] as const satisfies readonly KeyBinding[];

export const HOME_KEYS = [
  ...move,
  { action: 'open', keys: [enter], help: 'open the session in its Run notebook', hint: 'open' },
  { action: 'new', keys: [key.char('n')], help: 'new session (the wizard)', hint: 'new' },
  { action: 'edit', keys: [key.char('e')], help: 'edit the session in the wizard', hint: 'edit' },
  { action: 'duplicate', keys: [key.char('d')], help: 'duplicate the session under a new name', hint: 'duplicate' },
  { action: 'delete', keys: [key.char('x'), key.special('delete')], help: 'delete the session (asks first)', hint: 'delete' },
  { action: 'settings', keys: [key.char('s')], help: 'settings', hint: 'settings' },
  { action: 'results', keys: [key.char('v')], help: 'results of the session', hint: 'results' },
  { action: 'compare', keys: [key.char('c')], help: 'compare the session with others', hint: 'compare' },
] as const satisfies readonly KeyBinding[];

export const DATA_KEYS = [
  ...move,
  { action: 'change', keys: [enter, key.special('space')], help: 'edit or cycle the selected field', hint: 'change' },
  ...wizardFlow,
] as const satisfies readonly KeyBinding[];

export const MODELS_KEYS = [
  ...move,
  { action: 'change', keys: [enter, key.special('space')], help: 'edit or cycle the selected field', hint: 'change' },
  { action: 'add', keys: [key.char('a')], help: 'add the model described by the form', hint: 'add' },
  { action: 'remove', keys: [key.char('x')], help: 'remove the selected model', hint: 'remove' },
  { action: 'probe', keys: [key.char('p')], help: "list the base URL's models and probe what each can do (a cached probe shows at once)", hint: 'probe' },
  { action: 'reprobe', keys: [key.char('P')], help: 'probe the server again, ignoring the cached probe' },
  ...wizardFlow,
] as const satisfies readonly KeyBinding[];

export const CONDITIONS_KEYS = [
  ...move,
  { action: 'change', keys: [enter, key.special('space')], help: 'toggle the condition, or edit the custom mix', hint: 'toggle' },
  ...wizardFlow,
] as const satisfies readonly KeyBinding[];

export const EVALUATION_KEYS = [
  ...move,
  { action: 'change', keys: [enter, key.special('space')], help: 'edit, toggle or cycle the selected setting', hint: 'change' },
  { action: 'next', keys: [tab], help: 'next cell of the wizard (Evaluation is the last)' },
  { action: 'prev', keys: [shiftTab], help: 'previous cell of the wizard', hint: 'prev cell' },
  ...wizardExit,
] as const satisfies readonly KeyBinding[];

export const RUN_KEYS = [
  ...move,
  { action: 'open', keys: [enter], help: 'open or close the selected cell', hint: 'open' },
  { action: 'run', keys: [key.char('r')], help: 'run the selected step', hint: 'run' },
  { action: 'runFrom', keys: [key.char('R')], help: 'run the selected step and every step after it', hint: 'run from here' },
  { action: 'retry', keys: [key.char('t')], help: "retry only the selected step's failed items (what succeeded is kept)", hint: 'retry failed' },
  { action: 'cancel', keys: [key.char('c')], help: 'cancel the run (asks first)', hint: 'cancel' },
  { action: 'nextCurve', keys: [key.char(']')], help: "train cell: show the next condition's training curve (finished runs' too, read from their run folders)", hint: 'curve' },
  { action: 'prevCurve', keys: [key.char('[')], help: "train cell: show the previous condition's training curve" },
  { action: 'results', keys: [key.char('v')], help: 'results of the session', hint: 'results' },
  { action: 'edit', keys: [key.char('e')], help: 'edit the session in the wizard' },
] as const satisfies readonly KeyBinding[];

export const SETTINGS_KEYS = [
  ...move,
  { action: 'change', keys: [enter, key.special('space')], help: 'edit or cycle the selected setting', hint: 'change' },
  { action: 'add', keys: [key.char('a')], help: 'add an endpoint', hint: 'add endpoint' },
  { action: 'remove', keys: [key.char('x')], help: 'remove the selected endpoint', hint: 'remove' },
] as const satisfies readonly KeyBinding[];

export const HELP_KEYS = [
  { action: 'up', keys: [up, key.char('k')], help: 'scroll up', hint: 'scroll' },
  { action: 'down', keys: [down, key.char('j')], help: 'scroll down' },
  { action: 'pageUp', keys: [key.special('pageUp')], help: 'scroll up a page' },
  { action: 'pageDown', keys: [key.special('pageDown'), key.special('space')], help: 'scroll down a page', hint: 'page' },
  ...FILTER_KEYS,
] as const satisfies readonly KeyBinding[];

export const CONFIRM_KEYS = [
  { action: 'yes', keys: [key.char('y')], help: 'confirm', hint: 'yes' },
  { action: 'no', keys: [key.char('n'), esc], help: 'keep things as they are', hint: 'no' },
] as const satisfies readonly KeyBinding[];

export const TEXT_KEYS = [
  { action: 'accept', keys: [enter], help: 'accept the text', hint: 'accept' },
  { action: 'cancel', keys: [esc], help: 'discard the edit', hint: 'cancel' },
  { action: 'clear', keys: [key.ctrl('u')], help: 'clear the field' },
] as const satisfies readonly KeyBinding[];

export type ActionOf<T extends readonly KeyBinding[]> = T[number]['action'];

/** The tables the help screen lists, in reading order; `screen`: help opened there starts at its section. */
export const KEYMAP_SECTIONS: { title: string; bindings: readonly KeyBinding[]; screen?: string }[] = [
  { title: 'Everywhere', bindings: GLOBAL_KEYS },
  { title: 'Sessions', bindings: HOME_KEYS, screen: 'home' },
  { title: 'Wizard: Data', bindings: DATA_KEYS, screen: 'data' },
  { title: 'Wizard: Models', bindings: MODELS_KEYS, screen: 'models' },
  { title: 'Wizard: Conditions', bindings: CONDITIONS_KEYS, screen: 'conditions' },
  { title: 'Wizard: Evaluation', bindings: EVALUATION_KEYS, screen: 'evaluation' },
  { title: 'Run notebook', bindings: RUN_KEYS, screen: 'run' },
  { title: 'Results', bindings: RESULTS_KEYS, screen: 'results' },
  { title: 'Results: zoomed pane', bindings: RESULTS_ZOOM_KEYS },
  { title: 'Compare', bindings: COMPARE_KEYS, screen: 'compare' },
  { title: 'Settings', bindings: SETTINGS_KEYS, screen: 'settings' },
  { title: 'Help', bindings: HELP_KEYS },
  { title: 'Filtered lists (Help, Numbers)', bindings: FILTER_CLEAR_KEYS },
  { title: 'Confirmations', bindings: CONFIRM_KEYS },
  { title: 'Text fields', bindings: TEXT_KEYS },
];
