import { APIError, APIUserAbortError } from 'openai';
import { CapabilityError, ModelUnavailableError } from '../../domain/models.js';
import { redactSecrets } from './secrets.js';

/**
 * What went wrong with one request to an OpenAI-compatible server, and whether trying again
 * can help. Overloads (429, 5xx) also tell the endpoint's limiter to back off.
 */
export interface Failure {
  retryable: boolean;
  /** A 429 or 5xx: the server is saturated or failing, so send less. */
  overload: boolean;
  /** From a Retry-After / retry-after-ms header. */
  retryAfterMs?: number;
  /** One line, secrets removed. */
  message: string;
  /** The HTTP status, when the server answered. */
  status?: number;
  /** Set when no request of the kind can succeed here until someone acts: what to do. */
  unusable?: string;
}

/** The response ended before the server said why it stopped (a reset or truncated stream). */
export class IncompleteResponseError extends Error {
  override name = 'IncompleteResponseError';
}

/** Which limit a stalled request passed: the first token, the gap between tokens, or the whole attempt. */
export type StallPhase = 'first-token' | 'idle' | 'total';

const STALL_SETTING: Record<StallPhase, string> = { 'first-token': 'firstTokenTimeoutS', idle: 'idleTimeoutS', total: 'timeoutS' };
const STALL_WHAT: Record<StallPhase, string> = { 'first-token': 'no first token within', idle: 'no token for', total: 'not finished within' };

/** Nothing arrived for too long; raised by the request watchdog. */
export class StallError extends Error {
  override name = 'StallError';
  constructor(ms: number, readonly phase: StallPhase = 'total') {
    // Sub-10 s timeouts (a session's timeouts may be fractional) keep a decimal, never "0 s".
    super(`${STALL_WHAT[phase]} ${ms < 10_000 ? Number((ms / 1000).toFixed(1)) : Math.round(ms / 1000)} s (stalled; ${STALL_SETTING[phase]})`);
  }
}

/**
 * `/models` answered, but not with OpenAI's list of models (an HTML page, JSON of another API):
 * most likely the base URL points at something else. `got` says what came back.
 */
export class NotOpenAICompatibleError extends Error {
  override name = 'NotOpenAICompatibleError';
  constructor(readonly got: string) {
    super(`not an OpenAI-compatible answer (${got})`);
  }
}

/**
 * No request of this kind can succeed at this endpoint until someone acts: the server stopped
 * answering for good, refuses the API key, or does not serve the model. The step stops on it,
 * in one line, instead of writing an error row for every item left (for hours).
 */
export class EndpointUnusableError extends ModelUnavailableError {
  override name = 'EndpointUnusableError';
}

/** A request that failed for good; its message is one redacted line naming the endpoint. */
export class RequestFailedError extends Error {
  override name = 'RequestFailedError';
  constructor(
    message: string,
    readonly failure: Failure,
    readonly attempts: number,
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

const RETRYABLE_STATUS = new Set([408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529]);

/**
 * What to do about a status that every request of the kind will get again, whatever the item;
 * undefined for the others. A 401 is the key. A 404 is the model (or the route) not served —
 * after a restart, say, a server that no longer loads a fine-tuned condition's adapter. A 403
 * is left per item: OpenRouter and web firewalls answer 403 for one flagged request.
 */
function unusableAdvice(status: number, apiKeyEnv: string | undefined): string | undefined {
  if (status === 401) {
    return apiKeyEnv ? `the server refused the API key in ${apiKeyEnv}: check its value, then run again` : 'the server needs an API key: set engine.apiKeyEnv to the variable that holds it, then run again';
  }
  if (status === 404) {
    return 'the server does not serve this model or route: check engine.model (a fine-tuned condition: load its adapter on the server again, or delete its folder under runs/ to retrain it), then run again';
  }
  return undefined;
}

/**
 * Whether a 4xx answer refuses the request outright — the key (401, 403) or a model the server
 * does not serve (a 404 that names it) — rather than a feature the server lacks (a bare 404, a
 * 400 for an unknown parameter): the first fails the next request too, so it is not a "no".
 */
export function refusedOutright(status: number, body: unknown): boolean {
  return status === 401 || status === 403 || (status === 404 && namesTheModel(body));
}

/**
 * Whether an error body from a server's own route (vLLM's /tokenize, say) is about the model
 * rather than a missing route: OpenAI's and vLLM's "model ... does not exist" against a bare
 * "Not Found" or an HTML page.
 */
function namesTheModel(body: unknown): boolean {
  const e = body as { error?: { message?: unknown; code?: unknown } | string; message?: unknown } | null;
  const inner = typeof e?.error === 'object' ? e.error : undefined;
  const message = inner?.message ?? (typeof e?.error === 'string' ? e.error : e?.message);
  return inner?.code === 'model_not_found' || (typeof message === 'string' && /\bmodel\b/i.test(message));
}

export function retryAfterMs(headers: Headers | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/**
 * The error that stops a step rather than becoming an error row: the server is gone, or the
 * request failed in a way every other item's would too (the failure says what to do). Null
 * for a failure of this item alone.
 */
export function stepStopper(err: unknown): ModelUnavailableError | null {
  if (err instanceof ModelUnavailableError) return err;
  if (err instanceof RequestFailedError && err.failure.unusable) return new EndpointUnusableError(`${err.message} — ${err.failure.unusable}`, { cause: err });
  return null;
}

/** The innermost cause, where undici hides the network error (ECONNREFUSED, ENOTFOUND …). */
export function rootCause(err: unknown): { code?: string; message: string } {
  let current: unknown = err;
  for (let depth = 0; depth < 6; depth++) {
    const next = (current as { cause?: unknown } | null)?.cause;
    if (!next) break;
    current = next;
  }
  const e = current as { code?: string; message?: string } | null;
  return { code: typeof e?.code === 'string' ? e.code : undefined, message: String(e?.message ?? current) };
}

/**
 * Statuses that say the server is saturated, so fewer requests at once would help: rate limits,
 * 503 (vLLM, SGLang and proxies when full), 504 (a gateway that waited too long) and 529
 * (overloaded). A 500 or 502 is a fault, not congestion: it is retried but does not halve the
 * window, or a server with rare internal errors would be driven down to one request at a time.
 */
const OVERLOAD_STATUS = new Set([429, 503, 504, 529]);

export function classifyFailure(err: unknown, apiKeyEnv?: string): Failure {
  const redact = (text: string) => oneLine(redactSecrets(text, apiKeyEnv));
  if (err instanceof StallError || err instanceof IncompleteResponseError) {
    return { retryable: true, overload: err instanceof StallError, message: redact(err.message) };
  }
  if (err instanceof APIError && typeof err.status === 'number') {
    const status = err.status;
    const body = (err.error as { message?: string } | undefined)?.message ?? err.message;
    const unusable = unusableAdvice(status, apiKeyEnv);
    return {
      retryable: RETRYABLE_STATUS.has(status),
      overload: OVERLOAD_STATUS.has(status),
      retryAfterMs: retryAfterMs(err.headers),
      message: redact(`HTTP ${status}: ${body}`),
      status,
      ...(unusable ? { unusable } : {}),
    };
  }
  // A server that lacks a feature (or the whole API) lacks it on the next attempt too.
  if (err instanceof CapabilityError || err instanceof NotOpenAICompatibleError) return { retryable: false, overload: false, message: redact(err.message) };
  if (err instanceof APIUserAbortError) return { retryable: false, overload: false, message: 'cancelled' };
  if (err instanceof SyntaxError) return { retryable: true, overload: false, message: redact(`malformed response body (${err.message})`) };
  // Connection errors, resets mid-body, malformed JSON: the next attempt may well succeed.
  const cause = rootCause(err);
  const what = cause.code ? `${cause.code}: ${cause.message}` : (err as Error)?.message ?? String(err);
  return { retryable: true, overload: false, message: redact(what) };
}
