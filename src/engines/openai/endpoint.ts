import { Agent } from 'undici';
import { AimdLimiter, borrowLimiter } from './limiter.js';
import { readApiKey } from './secrets.js';
import { requestFetch } from './request-fetch.js';
import { Watchdog, WatchedOpenAI, type StreamTimeouts } from './watchdog.js';

export interface EndpointOptions {
  /** Requests in flight at most; also the size of the connection pool. */
  concurrency: number;
  apiKeyEnv?: string;
  /** A whole attempt at most; also the bound on waiting for response headers. */
  timeoutMs: number;
  /** A streamed answer's first chunk at most this long after the request (capped by `timeoutMs`). */
  firstTokenTimeoutMs?: number;
  /** Between two streamed chunks at most this long (capped by `timeoutMs`). */
  idleTimeoutMs?: number;
  /**
   * Share the limit with every other shared endpoint on this base URL (a session's model
   * entries); probes keep their own so that they never lower a model's limit.
   */
  shareLimit?: boolean;
}

export const DEFAULT_TIMEOUT_MS = 600_000;
/** A loaded vLLM queues a request before its first token: longer than the gap between tokens. */
export const DEFAULT_FIRST_TOKEN_TIMEOUT_MS = 120_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** `http://host:8000/v1/` → `http://host:8000/v1`. */
export function normalizeBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/**
 * One replica of a served model: an SDK client over its own undici connection pool, and the
 * AIMD limiter that decides how many requests it gets. The SDK never retries on its own
 * (maxRetries 0): the pool does, so that every retry goes through the limiter.
 */
export class Endpoint {
  readonly baseUrl: string;
  readonly client: WatchedOpenAI;
  readonly limiter: AimdLimiter;
  private readonly agent: Agent;
  /** What the client and `json` send through (undici's request API on `agent`). */
  private readonly fetch: typeof globalThis.fetch;
  private readonly releaseLimiter: () => void;

  constructor(baseUrl: string, readonly opts: EndpointOptions) {
    this.baseUrl = normalizeBaseUrl(baseUrl);
    if (opts.shareLimit) {
      const lease = borrowLimiter(this.baseUrl, opts.concurrency);
      this.limiter = lease.limiter;
      this.releaseLimiter = lease.release;
    } else {
      this.limiter = new AimdLimiter(opts.concurrency);
      this.releaseLimiter = () => {};
    }
    // Undici's own timeouts sit above ours, or Node's 300 s body timeout fires first on long generations.
    const undiciTimeout = opts.timeoutMs + 30_000;
    this.agent = new Agent({
      connections: opts.concurrency,
      headersTimeout: undiciTimeout,
      bodyTimeout: undiciTimeout,
      keepAliveTimeout: 30_000,
    });
    // A hosted API (https) sends its big answers (embeddings) compressed when asked; a server
    // on this machine or network answers faster as it is, as vLLM, SGLang and llama.cpp do.
    this.fetch = requestFetch(this.agent, { compressed: this.baseUrl.startsWith('https:') });
    this.client = new WatchedOpenAI({
      baseURL: this.baseUrl,
      // From the environment as the endpoint opens (only this process's own environment could
      // change it later, and nothing here writes keys there). A key function instead would be
      // awaited before every request: about 4% more CPU per streamed answer (bench/generation).
      apiKey: readApiKey(opts.apiKeyEnv) ?? 'none',
      maxRetries: 0,
      timeout: opts.timeoutMs,
      fetch: this.fetch,
      logLevel: 'off',
    });
  }

  /** The stall limits of a streamed answer on this endpoint. */
  get streamTimeouts(): StreamTimeouts {
    const { timeoutMs, firstTokenTimeoutMs = DEFAULT_FIRST_TOKEN_TIMEOUT_MS, idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS } = this.opts;
    return { firstTokenMs: Math.min(firstTokenTimeoutMs, timeoutMs), idleMs: Math.min(idleTimeoutMs, timeoutMs), totalMs: timeoutMs };
  }

  /**
   * One SDK request, not streamed, under a watchdog that follows the caller's `signal`: given the
   * signal itself, the SDK adds a listener to it per request and never takes it off, and on a
   * step's signal those pile up, each added after a walk over all the others (here 10,000 took
   * 0.2 s to add, the next 20,000 3.7 s, 40,000 more 26 s).
   * The whole reply is due within `dueMs`: by default when a stream's first token would be (a
   * judgement, a rating, a score is a few tokens), so a stalled one is retried as soon.
   */
  async send<T>(signal: AbortSignal | undefined, request: (options: Watchdog['requestOptions']) => Promise<T>, dueMs = this.streamTimeouts.firstTokenMs): Promise<T> {
    const watchdog = new Watchdog({ firstTokenMs: dueMs, idleMs: dueMs, totalMs: this.streamTimeouts.totalMs }, signal);
    try {
      return await request(watchdog.requestOptions);
    } catch (err) {
      throw watchdog.explain(err);
    } finally {
      watchdog.dispose();
    }
  }

  /** The server root, where vLLM puts /tokenize and llama.cpp /props (base URL minus /v1). */
  get root(): string {
    return this.baseUrl.replace(/\/v1$/, '');
  }

  /** A JSON request the SDK has no method for; `path` is absolute from the server root. */
  async json(path: string, init: { body?: unknown; signal?: AbortSignal; method?: string } = {}): Promise<{ status: number; body: unknown }> {
    const key = readApiKey(this.opts.apiKeyEnv);
    const res = await this.fetch(this.root + path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        'content-type': 'application/json',
        ...(key ? { authorization: `Bearer ${key}` } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal ?? AbortSignal.timeout(this.opts.timeoutMs),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Non-JSON bodies (an HTML 404 page) are returned as text for the caller to judge.
    }
    return { status: res.status, body };
  }

  async close(): Promise<void> {
    this.releaseLimiter();
    await this.agent.close();
  }
}
