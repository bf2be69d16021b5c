import { RequestFailedError, stepStopper } from '../../engines/openai/index.js';
import type { LanguageModel } from '../../domain/models.js';

/** Texts per embeddings request (the openai engine's own request size). */
export const EMBED_BATCH = 64;

interface Pending {
  text: string;
  signal: AbortSignal;
  resolve: (vector: Float32Array) => void;
  reject: (err: unknown) => void;
}

/**
 * One text at a time for the caller (each answer keeps its own keyed row), batches for the
 * model: texts asked for in the same turn of the event loop go out together, up to `size`
 * per request, so 15,000 answers take ~235 requests instead of 15,000. A batch that fails for
 * a reason other than a server that stays unavailable is embedded again one text at a time,
 * so one text the model refuses (too long, say) fails alone rather than with its batch.
 */
export function batchedEmbed(model: Pick<LanguageModel, 'embed'>, size = EMBED_BATCH): (text: string, signal: AbortSignal) => Promise<Float32Array> {
  let queue: Pending[] = [];
  let scheduled = false;

  const embedAlone = (p: Pending) =>
    model.embed([p.text], { signal: p.signal }).then(
      ([v]) => p.resolve(v),
      (err: unknown) => p.reject(err),
    );

  const send = (batch: Pending[]) => {
    model.embed(batch.map((p) => p.text), { signal: batch[0].signal }).then(
      (vectors) => {
        if (vectors.length === batch.length) batch.forEach((p, i) => p.resolve(vectors[i]));
        else batch.forEach((p) => p.reject(new Error(`the embedder returned ${vectors.length} vectors for ${batch.length} texts: check the server's embeddings endpoint`)));
      },
      (err: unknown) => {
        // Down, or refusing every request alike: texts one by one would fail the same way.
        const unavailable = (err instanceof RequestFailedError && err.failure.retryable) || stepStopper(err) !== null;
        if (batch.length === 1 || unavailable || batch[0].signal.aborted) batch.forEach((p) => p.reject(err));
        else batch.forEach((p) => void embedAlone(p));
      },
    );
  };

  const flush = () => {
    scheduled = false;
    while (queue.length) send(queue.splice(0, size));
  };

  return (text, signal) =>
    new Promise<Float32Array>((resolve, reject) => {
      queue.push({ text, signal, resolve, reject });
      if (queue.length >= size) {
        send(queue);
        queue = [];
      } else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
