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
