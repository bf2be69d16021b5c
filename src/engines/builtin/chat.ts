import type { ChatMessage } from '../../domain/models.js';

/**
 * The builtin chat template. An n-gram model sees only its last few tokens, so role markers
 * would sit between the instruction and the answer and cut the answer off from it. The
 * template therefore writes each message's text on its own line, and the answer continues on
 * the next line — exactly how passages follow each other in the pretraining documents.
 */
export function chatPrompt(messages: ChatMessage[]): string {
  return messages.map((m) => m.content.trim() + '\n').join('');
}
