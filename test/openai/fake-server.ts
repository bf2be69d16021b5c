import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a route answers: JSON with a status, a text body (plain unless `type` says), or server-sent events. */
export type Reply = { status?: number; json: unknown } | { status: number; text: string; type?: string } | { sse: unknown[] };
export type Route = (body: Record<string, unknown>) => Reply | Promise<Reply>;

export interface FakeServer {
  /** The OpenAI base URL (`…/v1`). */
  url: string;
  /** Every request, in order: `POST /v1/chat/completions` and its parsed body. */
  requests: { route: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP server answering `METHOD /path` routes the way a real server documents them;
 * any other route is a 404 page, as llama.cpp and Ollama give. The client under test talks to
 * it through the openai SDK and undici, so the network boundary is real.
 */
export async function startFakeServer(routes: Record<string, Route>): Promise<FakeServer> {
  const requests: FakeServer['requests'] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const route = `${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`;
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      requests.push({ route, body });
      const handler = routes[route];
      void Promise.resolve(handler ? handler(body) : { status: 404, text: '404 page not found' }).then((reply) => send(res, reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets of the client's pool would hold close() open.
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, reply: Reply): void {
  if ('sse' in reply) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const event of reply.sse) res.write(`data: ${JSON.stringify(event)}\n\n`);
    res.end('data: [DONE]\n\n');
  } else if ('text' in reply) {
    res.writeHead(reply.status, { 'content-type': reply.type ?? 'text/plain' });
    res.end(reply.text);
  } else {
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply.json));
  }
}

export const modelList = (ids: string[], ownedBy: string, extra: Record<string, unknown> = {}): Reply => ({
  json: { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: ownedBy, ...extra })) },
});

/** A non-streamed chat answer, with per-token log-probs when `withLogprobs`. */
export function chatAnswer(body: Record<string, unknown>, text: string, withLogprobs: boolean): Reply {
  const logprobs = withLogprobs && body.logprobs ? { content: [{ token: text, logprob: -0.1, bytes: null, top_logprobs: [{ token: text, logprob: -0.1, bytes: null }] }] } : null;
  return {
    json: {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs }],
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
    },
  };
}

/** A streamed chat answer, one chunk per word, usage on a last chunk without choices. */
export function chatStream(body: Record<string, unknown>, words: string[], finish: 'stop' | 'length' = 'stop'): Reply {
  const chunk = (delta: Record<string, unknown>, finish_reason: string | null) => ({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: body.model,
    choices: [{ index: 0, delta, finish_reason }],
  });
  return {
    sse: [
      chunk({ role: 'assistant', content: '' }, null),
      ...words.map((w) => chunk({ content: w }, null)),
      chunk({}, finish),
      { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1_700_000_000, model: body.model, choices: [], usage: { prompt_tokens: 5, completion_tokens: words.length, total_tokens: 5 + words.length } },
    ],
  };
}

export const openAIError = (status: number, message: string, param?: string): Reply => ({
  status,
  json: { error: { message, type: 'invalid_request_error', param: param ?? null, code: param ? 'unsupported_parameter' : null } },
});
