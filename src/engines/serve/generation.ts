import type { PositionLogprobs, SampleParams, ServedModel } from './served-model.js';

/**
 * One sampled choice with OpenAI's stopping rules: `max_tokens`, the end-of-text token (kept
 * among the tokens with its log-prob and no text, as vLLM keeps it), and stop strings (cut
 * before the stop, never sent). While streaming, text that could still be the
 * start of a stop string is held back until it is known not to be.
 */

export interface ChoiceRequest extends SampleParams {
  maxTokens: number;
  stop: string[];
}

export interface Piece {
  text: string;
  /** The tokens whose text this piece completes. */
  tokens: PositionLogprobs[];
}

export interface ChoiceResult {
  text: string;
  tokens: PositionLogprobs[];
  finishReason: 'stop' | 'length';
}

export async function generateChoice(
  model: ServedModel,
  promptIds: number[],
  req: ChoiceRequest,
  signal: AbortSignal | undefined,
  onPiece?: (piece: Piece) => void,
): Promise<ChoiceResult> {
  let text = '';
  const tokens: PositionLogprobs[] = [];
  const ends: number[] = []; // text offset where each token ends
  let sent = 0; // text offset sent so far
  let sentTokens = 0;
  let finishReason: 'stop' | 'length' = 'stop';

  const flush = (upTo: number) => {
    if (upTo <= sent && sentTokens === tokens.length) return;
    let n = sentTokens;
    while (n < tokens.length && ends[n] <= upTo) n++;
    if (upTo > sent || n > sentTokens) onPiece?.({ text: text.slice(sent, upTo), tokens: tokens.slice(sentTokens, n) });
    sent = Math.max(sent, upTo);
    sentTokens = n;
  };

  if (req.maxTokens > 0) {
    for await (const token of model.sample(promptIds, req, signal)) {
      tokens.push(token);
      text += token.text;
      ends.push(text.length);
      if (token.end) break; // the end-of-text token: generated and counted, with no text
      const stopAt = findStop(text, req.stop, sent);
      if (stopAt >= 0) {
        text = text.slice(0, stopAt);
        // Tokens that begin at or after the stop are not part of the answer.
        while (tokens.length > 0 && ends[tokens.length - 1] - tokens[tokens.length - 1].text.length >= stopAt) {
          tokens.pop();
          ends.pop();
        }
        if (ends.length > 0) ends[ends.length - 1] = Math.min(ends[ends.length - 1], stopAt);
        break;
      }
      if (tokens.length >= req.maxTokens) {
        finishReason = 'length';
        break;
      }
      flush(text.length - heldBack(text, req.stop));
    }
    if (signal?.aborted) throw signal.reason;
  } else {
    finishReason = 'length';
  }
  flush(text.length);
  return { text, tokens, finishReason };
}

/** Earliest index of any stop string that ends after `from` (so earlier text was already checked). */
function findStop(text: string, stops: string[], from: number): number {
  let best = -1;
  for (const stop of stops) {
    if (!stop) continue;
    const idx = text.indexOf(stop, Math.max(0, from - stop.length + 1));
    if (idx >= 0 && (best < 0 || idx < best)) best = idx;
  }
  return best;
}

/** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
function heldBack(text: string, stops: string[]): number {
  let hold = 0;
  for (const stop of stops) {
    for (let k = Math.min(stop.length - 1, text.length); k > hold; k--) {
      if (text.endsWith(stop.slice(0, k))) {
        hold = k;
        break;
      }
    }
  }
  return hold;
}
