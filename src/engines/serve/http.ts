import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest } from './errors.js';

/** Requests larger than this are refused with 413 before they are buffered. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Read a request body into memory, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, `Request body is larger than ${limit} bytes; send less per request.`, 'invalid_request_error', null, 'request_too_large');
}

/** Parse a JSON object body; anything else is a 400 that says what was wrong. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0) throw badRequest('Request body is empty; send a JSON object.');
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`Request body is not valid JSON (${(err as Error).message}).`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest('Request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) {
    // Mid-stream: the status line is gone, so report in-band the way OpenAI streams do.
    if (!res.writableEnded) res.end(`data: ${JSON.stringify(err.body())}\n\n`);
    return;
  }
  sendJson(res, err.status, err.body(), err.headers);
}

/** How long an injected mid-stream reset waits after the first event, so the client has read it. */
const RESET_DELAY_MS = 50;

/** A server-sent-events writer for streamed completions (`data: {...}` … `data: [DONE]`). */
export class SseWriter {
  /** `resetAfterFirst`: an injected fault that drops the connection right after the first event. */
  constructor(
    private readonly res: ServerResponse,
    private readonly resetAfterFirst = false,
  ) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  }

  private resetting = false;

  send(value: unknown): void {
    if (this.res.destroyed || this.resetting) return;
    if (!this.resetAfterFirst) return void this.res.write(`data: ${JSON.stringify(value)}\n\n`);
    // Let the client read the headers and this first event, then reset the connection under it.
    this.resetting = true;
    this.res.write(`data: ${JSON.stringify(value)}\n\n`, () => setTimeout(() => this.res.socket?.resetAndDestroy(), RESET_DELAY_MS));
  }

  done(): void {
    if (this.resetting) return; // the reset ends this response
    this.res.end('data: [DONE]\n\n');
  }
}

/** An AbortSignal that fires when the client goes away before the response is finished. */
export function disconnectSignal(req: IncomingMessage, res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client disconnected'));
  });
  req.on('aborted', () => controller.abort(new Error('client disconnected')));
  return controller.signal;
}
