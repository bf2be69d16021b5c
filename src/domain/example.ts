import type { ChatMessage } from './models.js';

/** The earlier turns of a multi-turn record: what was said before its last instruction. */
export type History = ChatMessage[];

/** One human instruction-following record, after field mapping. */
export interface Example {
  /** Stable id: the record's position in the source file (or its own id field). */
  id: string;
  instruction: string;
  context: string;
  response: string;
  category: string;
  /** Earlier turns of a multi-turn record kept as chat turns; absent for a single-turn record. */
  history?: History;
}

/** One synthetic answer (or error row) in `data/synthetic/<source>.jsonl`. */
export interface SyntheticRecord {
  /** Hash of source, example id, sample index, generation parameters, request seed and the messages sent. */
  key: string;
  source: string;
  exampleId: string;
  sample: number;
  paramsHash: string;
  seed: number;
  response?: string;
  finishReason?: 'stop' | 'length';
  promptTokens?: number;
  completionTokens?: number;
  /** Present on error rows: why the request failed after its retry budget. */
  error?: string;
  t: number;
}

/** One training example of an assembled condition dataset. */
export interface TrainingExample {
  exampleId: string;
  /** "human" or the source model id. */
  origin: string;
  instruction: string;
  context: string;
  response: string;
  history?: History;
}

/** What a model is asked: an instruction, its context, and the turns before it if any. */
export interface Prompt {
  instruction: string;
  context: string;
  history?: History;
}

/** The user message of an instruction (with its context when there is one). */
export function instructionText({ instruction, context }: Prompt): string {
  return context.trim() ? `${instruction}\n\n${context}` : instruction;
}

/** The chat messages a model sees for a prompt: its earlier turns, then the instruction. */
export function promptMessages(prompt: Prompt): ChatMessage[] {
  return [...(prompt.history ?? []), { role: 'user', content: instructionText(prompt) }];
}

/**
 * A prompt as one text for a judge: the earlier turns labelled by speaker, then the instruction.
 * A single-turn prompt is its user message unchanged.
 */
export function conversationText(prompt: Prompt): string {
  const last = instructionText(prompt);
  if (!prompt.history?.length) return last;
  const speaker = { system: 'System', user: 'User', assistant: 'Assistant' } as const;
  const turns = prompt.history.map((m) => `${speaker[m.role]}: ${m.content}`);
  return [...turns, `User: ${last}`].join('\n\n');
}
