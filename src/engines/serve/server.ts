import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, notFound } from './errors.js';
import { disconnectSignal, parseJsonObject, readBody, sendError, sendJson } from './http.js';
import { FaultInjector, type FaultKind } from './faults.js';
import type { ModelProvider } from './served-model.js';
import type { FileStore } from './files.js';
import type { JobManager } from './jobs.js';
import type { RouteContext } from './context.js';
import { chatCompletions } from './routes/chat.js';
import { completions } from './routes/completions.js';
import { embeddings } from './routes/embeddings.js';
import { detokenize, tokenize, tokenizerInfo } from './routes/tokenize.js';
import { listModels, retrieveModel } from './routes/models.js';
import { instantChatCompletions } from './routes/instant.js';
import { createJob, pageParams, uploadFile } from './routes/fine-tuning.js';

/**
 * The HTTP layer of `baskets serve`: routing, bearer-token auth, body limits, fault injection
 * and error mapping. Every failure becomes an OpenAI-style error response; the server keeps
 * serving whatever one request does.
 */

export interface HttpServerDeps {
  host: string;
  port: number;
  token?: string;
  faults?: FaultInjector;
  instant: boolean;
  models: ModelProvider;
  files: FileStore;
  jobs: JobManager;
  log: (line: string) => void;
}

type InferenceHandler = (ctx: RouteContext) => Promise<void>;

export async function listen(deps: HttpServerDeps): Promise<{ port: number; close(): Promise<void> }> {
  const inference: Record<string, InferenceHandler> = {
    '/v1/chat/completions': deps.instant ? instantChatCompletions : chatCompletions,
    '/v1/completions': completions,
    '/v1/embeddings': embeddings,
  };
  const tokenizers: Record<string, InferenceHandler> = {
    '/tokenize': tokenize,
    '/detokenize': detokenize,
    '/v1/tokenize': tokenize,
    '/v1/detokenize': detokenize,
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (path === '/health' && method === 'GET') return void res.writeHead(200).end();
    if (deps.token !== undefined && !authorised(req.headers.authorization, deps.token)) {
      throw new ApiError(401, 'Missing or invalid bearer token: send "Authorization: Bearer <token>" with the token the server was started with.', 'authentication_error', null, 'invalid_api_key');
    }
    const signal = disconnectSignal(req, res);

    if (method === 'POST' && (inference[path] || tokenizers[path])) {
      const body = await readBody(req);
      const isInference = Boolean(inference[path]);
      const fault = isInference ? (deps.faults?.next() ?? null) : null;
      const parsed = parseJsonObject(body);
      if (fault && (await injectFault(fault, res, parsed.stream === true, signal))) return;
      const ctx: RouteContext = { body: parsed, res, signal, models: deps.models, resetMidStream: fault === 'reset' };
      return (inference[path] ?? tokenizers[path])(ctx);
    }
    if (method === 'GET' && (path === '/tokenizer_info' || path === '/v1/tokenizer_info')) {
      return tokenizerInfo({ body: {}, res, signal, models: deps.models, resetMidStream: false }, url.searchParams.get('model'));
    }
    if (method === 'GET' && path === '/v1/models') return listModels(res, deps.models);
    const model = /^\/v1\/models\/(.+)$/.exec(path);
    if (method === 'GET' && model) return retrieveModel(res, deps.models, decodeURIComponent(model[1]));

    if (path === '/v1/files') {
      if (method === 'POST') return uploadFile(req, res, await readBody(req), deps.files);
      if (method === 'GET') return sendJson(res, 200, { object: 'list', data: deps.files.list(), has_more: false });
    }
    const file = /^\/v1\/files\/([^/]+)(\/content)?$/.exec(path);
    if (method === 'GET' && file) {
      if (file[2]) return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(deps.files.read(file[1]));
      return sendJson(res, 200, deps.files.get(file[1]));
    }

    if (path === '/v1/fine_tuning/jobs') {
      if (method === 'POST') return createJob(res, await readBody(req), deps.jobs);
      if (method === 'GET') {
        const { after, limit } = pageParams(url);
        return sendJson(res, 200, { object: 'list', ...deps.jobs.list(after, limit) });
      }
    }
    const job = /^\/v1\/fine_tuning\/jobs\/([^/]+)(?:\/(events|checkpoints|cancel))?$/.exec(path);
    if (job) {
      const [, id, sub] = job;
      if (method === 'GET' && !sub) return sendJson(res, 200, deps.jobs.get(id));
      if (method === 'POST' && sub === 'cancel') return sendJson(res, 200, deps.jobs.cancel(id));
      if (method === 'GET' && (sub === 'events' || sub === 'checkpoints')) {
        const { after, limit } = pageParams(url);
        const pageOf = sub === 'events' ? deps.jobs.events(id, after, limit) : deps.jobs.checkpoints(id, after, limit);
        return sendJson(res, 200, { object: 'list', ...pageOf });
      }
    }
    throw notFound(`No route ${method} ${path}; see GET /v1/models, /tokenizer_info, POST /v1/chat/completions, /v1/completions, /v1/embeddings, /tokenize.`, null, 'route_not_found');
  }

  /** Apply an injected fault; true when it answered the request itself. */
  async function injectFault(fault: FaultKind, res: ServerResponse, stream: boolean, signal: AbortSignal): Promise<boolean> {
    const spec = deps.faults!.spec;
    deps.log(`fault: ${fault}`);
    switch (fault) {
      case '5xx': {
        const status = deps.faults!.serverErrorStatus();
        sendError(res, new ApiError(status, `Injected fault: HTTP ${status} (baskets serve --faults).`, 'server_error', null, 'injected_fault'));
        return true;
      }
      case '429':
        sendError(res, new ApiError(429, 'Injected fault: rate limited (baskets serve --faults); retry after the Retry-After delay.', 'rate_limit_error', null, 'rate_limit_exceeded', { 'retry-after': String(spec.retryAfterS) }));
        return true;
      case 'malformed':
        if (stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.end('data: {"id": "chatcmpl-malformed", "choices": [{"index": 0, "delta": {"content": "tru\n\n');
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"id": "chatcmpl-malformed", "object": "chat.completion", "choices": [{"index": 0, "message": {"content": "tru');
        }
        return true;
      case 'stall':
        await sleep(spec.stallMs, undefined, { signal }).catch(() => undefined);
        return signal.aborted;
      case 'reset':
        if (stream) return false; // the route drops the connection after its first event
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id": "chatcmpl-reset", "choices": [');
        res.socket?.resetAndDestroy();
        return true;
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.destroyed) {
        // The client went away (or a reset was injected): the disconnect signal stopped the work.
        deps.log(`${req.method} ${req.url}: connection closed before the answer was complete; work stopped`);
        return;
      }
      if (err instanceof ApiError) return sendError(res, err);
      deps.log(`internal error on ${req.method} ${req.url}: ${(err as Error)?.message ?? String(err)}`);
      sendError(res, new ApiError(500, `Internal server error: ${(err as Error)?.message ?? String(err)}`, 'server_error'));
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      const jobsStopped = deps.jobs.abortAll();
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      await jobsStopped;
    },
  };
}

function authorised(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1].trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
