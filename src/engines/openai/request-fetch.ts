import { fetch as undiciFetch, interceptors, type Dispatcher } from 'undici';

/**
 * The `fetch` an endpoint's SDK client sends through: undici's request API on the endpoint's
 * own connection pool. WHATWG fetch builds a Request, web streams for both bodies and an
 * AbortSignal chain for every call; `request` gives the status, the headers and a Node stream
 * of the body, which is all the SDK reads. Measured against the `openai` SDK on fetch, a
 * streamed chat completion took half the client CPU (bench/generation/README.md).
 *
 * Only the SDK's own requests take this path: a string body or none, to an http(s) URL. Any
 * other body (a multipart upload, a stream) and every redirect go to undici's fetch on the same
 * pool, which implements the whole standard. With `compressed`, answers are asked for
 * compressed and decoded, as fetch does (a hosted API's embeddings are megabytes of JSON).
 */
export function requestFetch(pool: Dispatcher, opts: { compressed: boolean }): typeof globalThis.fetch {
  const dispatcher = opts.compressed ? pool.compose(interceptors.decompress({ skipErrorResponses: false })) : pool;
  const viaFetch = (input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input as string, { ...(init as Record<string, unknown>), dispatcher: pool }) as unknown as Promise<Response>;
  return async (input, init = {}) => {
    if (!(typeof input === 'string' || input instanceof URL) || (init.body != null && typeof init.body !== 'string')) return viaFetch(input, init);
    const url = new URL(input);
    const method = init.method ?? 'GET';
    const headers = opts.compressed ? askingCompressed(init.headers) : init.headers;
    const res = await dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: method as Dispatcher.HttpMethod,
      headers: headers as unknown as Dispatcher.RequestOptions['headers'],
      body: init.body as string | undefined,
      signal: init.signal ?? undefined,
    });
    if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location !== undefined) {
      await res.body.dump();
      return viaFetch(input, init);
    }
    return responseOf(res, url.href, method);
  };
}

/** The request's headers, asking for a compressed answer unless they say otherwise. */
function askingCompressed(given: RequestInit['headers']): Headers {
  const headers = new Headers(given);
  if (!headers.has('accept-encoding')) headers.set('accept-encoding', 'br, gzip, deflate');
  return headers;
}

/** Statuses whose response has no body (fetch gives them a null one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** What the SDK reads of a Response, over undici's answer; the body stays a Node stream. */
function responseOf(res: Dispatcher.ResponseData, url: string, method: string): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.append(name, value);
  }
  const empty = NULL_BODY.has(res.statusCode) || method === 'HEAD';
  if (empty) void res.body.dump();
  const body = res.body;
  return {
    status: res.statusCode,
    statusText: res.statusText ?? '',
    ok: res.statusCode >= 200 && res.statusCode < 300,
    headers,
    url,
    redirected: false,
    type: 'basic',
    // The SDK iterates a body that is async-iterable (a Node stream) as it would a web stream.
    body: empty ? null : (body as unknown as ReadableStream<Uint8Array>),
    get bodyUsed() {
      return body.bodyUsed;
    },
    text: () => body.text(),
    json: () => body.json(),
    arrayBuffer: () => body.arrayBuffer(),
    bytes: () => body.bytes(),
    blob: () => body.blob(),
  } as unknown as Response;
}
