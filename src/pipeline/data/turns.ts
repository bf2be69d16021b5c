import type { ChatMessage } from '../../domain/models.js';
import type { History } from '../../domain/example.js';

/**
 * Multi-turn records in the layouts instruction sets are published in:
 *   - a history field of earlier [instruction, response] pairs (alpaca, as LLaMA-Factory writes it);
 *   - a list of messages, as {role, content} (OpenAI) or {from, value} (ShareGPT);
 *   - a list of plain strings taking turns, user first (LIMA's own layout).
 * Any of them may also arrive as a JSON string (a CSV cell, a Parquet string column).
 */

const ROLES: Record<string, ChatMessage['role']> = {
  system: 'system',
  user: 'user',
  human: 'user',
  prompter: 'user',
  assistant: 'assistant',
  gpt: 'assistant',
  bot: 'assistant',
  model: 'assistant',
  chatgpt: 'assistant',
};

function fromJsonText(value: unknown): unknown {
  if (typeof value !== 'string' || !value.trimStart().startsWith('[')) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function message(turn: unknown, at: number): ChatMessage | string {
  if (turn === null || typeof turn !== 'object' || Array.isArray(turn)) return `turn ${at + 1} is not a message`;
  const t = turn as Record<string, unknown>;
  const speaker = t.role ?? t.from;
  const content = t.content ?? t.value;
  const role = typeof speaker === 'string' ? ROLES[speaker.toLowerCase()] : undefined;
  if (!role) return `turn ${at + 1} has an unknown speaker ${JSON.stringify(speaker)} (use user/assistant, human/gpt or system)`;
  if (typeof content !== 'string') return `turn ${at + 1} has no text`;
  return { role, content };
}

/** A list of turns in any of the layouts above, as chat messages; a string says what is wrong. */
export function parseTurns(value: unknown): ChatMessage[] | string {
  const list = fromJsonText(value);
  if (!Array.isArray(list)) return 'is not a list of turns';
  const out: ChatMessage[] = [];
  for (const [i, turn] of list.entries()) {
    if (typeof turn === 'string') {
      out.push({ role: out.filter((m) => m.role !== 'system').length % 2 === 0 ? 'user' : 'assistant', content: turn });
    } else if (Array.isArray(turn)) {
      if (turn.length !== 2 || typeof turn[0] !== 'string' || typeof turn[1] !== 'string') return `turn ${i + 1} is not an [instruction, response] pair`;
      out.push({ role: 'user', content: turn[0] }, { role: 'assistant', content: turn[1] });
    } else {
      const m = message(turn, i);
      if (typeof m === 'string') return m;
      out.push(m);
    }
  }
  return out;
}

/** Earlier turns must take turns, user first (after any system message), and end on a response. */
export function historyProblem(history: History): string | undefined {
  const spoken = history.filter((m, i) => !(m.role === 'system' && history.slice(0, i).every((p) => p.role === 'system')));
  for (const [i, m] of spoken.entries()) {
    const expected = i % 2 === 0 ? 'user' : 'assistant';
    if (m.role !== expected) return `turn ${i + 1} is the ${m.role}'s where the ${expected}'s belongs (turns alternate, user first)`;
  }
  if (spoken.length % 2 !== 0) return 'the earlier turns end without a response';
  return undefined;
}

/**
 * A whole conversation split into the turns before its last exchange, that exchange's
 * instruction, and its response (the conversation's last assistant turn).
 */
export function splitConversation(turns: ChatMessage[]): { history: History; instruction: string; response: string } | string {
  const last = turns.findLastIndex((m) => m.role === 'assistant');
  if (last < 0) return 'has no assistant turn to learn';
  if (last === 0 || turns[last - 1].role !== 'user') return 'its last response does not follow a user turn';
  return { history: turns.slice(0, last - 1), instruction: turns[last - 1].content, response: turns[last].content };
}
