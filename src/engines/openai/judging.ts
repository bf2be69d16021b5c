import { judgementFromLabelLogprobs, pairwisePrompt, rateWith } from '../judging.js';
import type { ChatMessage, PairwiseJudgement, Rating } from '../../domain/models.js';
import type { Endpoint } from './endpoint.js';

/** The verdict's first token with its top log-probabilities, read as a judgement. */
export async function judgePairOn(
  endpoint: Endpoint,
  model: string,
  question: string,
  answerA: string,
  answerB: string,
  signal?: AbortSignal,
): Promise<PairwiseJudgement> {
  const res = await endpoint.send(signal, (options) =>
    endpoint.client.chat.completions.create({ model, messages: pairwisePrompt(question, answerA, answerB), max_tokens: 4, temperature: 0, logprobs: true, top_logprobs: 20 }, options),
  );
  const choice = res.choices[0];
  return judgementFromLabelLogprobs(choice?.logprobs?.content?.[0]?.top_logprobs ?? [], choice?.message?.content ?? '');
}

/** Quality and harmfulness, each a greedy reply to its rubric. */
export function rateOn(endpoint: Endpoint, model: string, question: string, answer: string, signal?: AbortSignal): Promise<Rating> {
  const reply = async (messages: ChatMessage[]) => {
    const res = await endpoint.send(signal, (options) => endpoint.client.chat.completions.create({ model, messages, max_tokens: 16, temperature: 0 }, options));
    return res.choices[0]?.message?.content ?? '';
  };
  return rateWith(reply, question, answer);
}
