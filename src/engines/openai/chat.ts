import type { ChatMessage, GenerateParams, Generation, GenerationDelta } from '../../domain/models.js';
import type { Endpoint } from './endpoint.js';
import { IncompleteResponseError } from './errors.js';
import { Watchdog } from './watchdog.js';

/**
 * One streamed chat completion through the server's own chat template. Usage arrives on a
 * last chunk without choices (stream_options.include_usage); a stream that ends before any
 * finish_reason was cut off and is an error, never a short answer.
 */
export async function streamChat(
  endpoint: Endpoint,
  model: string,
  messages: ChatMessage[],
  params: GenerateParams,
  opts: { signal?: AbortSignal; onDelta?: (delta: GenerationDelta) => void },
): Promise<Generation> {
  const watchdog = new Watchdog(endpoint.streamTimeouts, opts.signal);
  try {
    const stream = await endpoint.client.chat.completions.create(
      {
        model,
        messages,
        stream: true,
        stream_options: { include_usage: true },
        temperature: params.temperature,
        top_p: params.topP,
        max_tokens: params.maxTokens,
        seed: params.seed,
        ...(params.stop?.length ? { stop: params.stop } : {}),
      },
      watchdog.requestOptions,
    );
    let text = '';
    let chunks = 0;
    let finish: string | null = null;
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      watchdog.touch();
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      const delta = choice.delta?.content;
      if (delta) {
        text += delta;
        chunks++;
        opts.onDelta?.({ text: delta, tokens: 1 });
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    if (!finish) throw new IncompleteResponseError('the stream ended before the answer finished');
    return {
      text,
      finishReason: finish === 'length' ? 'length' : 'stop',
      // Servers that ignore include_usage: count chunks (about one token each); prompt unknown.
      promptTokens: usage?.prompt_tokens ?? 0,
      completionTokens: usage?.completion_tokens ?? chunks,
    };
  } catch (err) {
    throw watchdog.explain(err);
  } finally {
    watchdog.dispose();
  }
}
