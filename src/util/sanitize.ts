/**
 * Text from models and datasets is untrusted: before it reaches the terminal, escape
 * sequences (CSI, OSC, DCS, …) and control characters are removed so a dataset row cannot
 * clear the screen, write the clipboard (OSC 52) or plant hyperlinks (OSC 8).
 */

// OSC/DCS/SOS/PM/APC strings run to BEL or ST; CSI runs to a final byte; other ESC pairs are two chars.
// The 8-bit C1 forms (0x9b CSI, 0x9d OSC, …) are handled alongside the 7-bit ones.
const ESCAPES =
  /(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[\s\S]*?(?:\x07|\x1b\\|\x9c|$)|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|\x1b[ -/]*[0-~]?/g;
// C0 controls except tab and newline, DEL, C1 controls, and bidi overrides that can disguise text.
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/** Strip escape sequences and control characters; keeps tabs and newlines. */
export function sanitize(text: string): string {
  return text.replace(ESCAPES, '').replace(CONTROLS, '');
}

/** Sanitise and fold to a single line (newlines and tabs become spaces). */
export function sanitizeLine(text: string): string {
  return sanitize(text).replace(/[\t\r\n]+/g, ' ');
}

/**
 * Characters that JSON.stringify leaves as they are but a terminal acts on (DEL and the C1
 * controls, 0x9b being a CSI), or that reorder what is shown (bidi overrides and isolates),
 * and the line separators some readers break on.
 */
const JSON_UNSAFE = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/**
 * JSON that is safe to print: the same value as JSON.stringify writes, with the characters
 * above written as \uXXXX escapes, so a reader gets the data back exactly and a terminal
 * showing the text is never driven by it.
 */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
