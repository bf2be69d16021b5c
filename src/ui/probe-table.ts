import type { ModelProbe } from '../engines/openai/probe.js';
import { sanitizeLine } from '../util/sanitize.js';

const yesNo = (v: boolean) => (v ? 'yes' : 'no');

/** The probe table's columns, shared with the TUI's Models screen. */
export const PROBE_HEAD = ['model', 'chat', 'stream', 'chat logprobs', 'score', 'embed', 'context'];

/** One sanitised table row per probed model, in PROBE_HEAD order. */
export function probeCells(m: ModelProbe): string[] {
  return [
    m.model,
    yesNo(m.chat),
    yesNo(m.streaming),
    yesNo(m.chatLogprobs),
    m.scoring ?? 'no',
    yesNo(m.embeddings),
    m.contextLength === null ? '?' : String(m.contextLength),
  ].map(sanitizeLine);
}
