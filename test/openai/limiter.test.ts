import { describe, expect, it } from 'vitest';
import { AimdLimiter } from '../../src/engines/openai/limiter.js';
import { APIError } from 'openai';
import { classifyFailure, RequestFailedError, retryAfterMs, StallError, stepStopper } from '../../src/engines/openai/errors.js';
import { redactSecrets } from '../../src/engines/openai/secrets.js';

describe('AIMD limiter', () => {
  it('halves on overload once per window and grows back by about one per window', () => {
    const l = new AimdLimiter(16);
    l.onOverload(0, 10);
    expect(l.limit).toBe(8);
    l.onOverload(5, 11); // sent before the decrease: same congestion, no second cut
    expect(l.limit).toBe(8);
    l.onOverload(12, 20);
    expect(l.limit).toBe(4);
    for (let i = 0; i < 5; i++) l.onSuccess(); // 4 + 1/4 + 1/4.25 + … ≈ 5.2
    expect(l.limit).toBe(5);
    for (let i = 0; i < 1000; i++) l.onSuccess();
    expect(l.limit).toBe(16);
  });

  it('never goes below one', () => {
    const l = new AimdLimiter(2);
    for (let t = 0; t < 10; t++) l.onOverload(t * 10, t * 10 + 1);
    expect(l.limit).toBe(1);
  });
});

describe('Retry-After', () => {
  it('reads seconds, milliseconds and HTTP dates', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '1' }))).toBe(1000);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '3' }))).toBe(250);
    const later = retryAfterMs(new Headers({ 'retry-after': new Date(Date.now() + 5000).toUTCString() }))!;
    expect(later).toBeGreaterThan(3000);
    expect(later).toBeLessThanOrEqual(5000);
    expect(retryAfterMs(new Headers())).toBeUndefined();
  });
});

describe('redaction', () => {
  it('removes the named key and bearer tokens', () => {
    process.env.BASKETS_TEST_REDACT_KEY = 'canary-abc123-xyz';
    const text = redactSecrets('bad key canary-abc123-xyz; header Authorization: Bearer other-token-1', 'BASKETS_TEST_REDACT_KEY');
    expect(text).not.toContain('canary-abc123-xyz');
    expect(text).not.toContain('other-token-1');
    expect(text).toContain('Bearer ***');
    delete process.env.BASKETS_TEST_REDACT_KEY;
  });
  it("keeps a server's words about bearer tokens: only a token-shaped value is masked", () => {
    const message = 'Missing or invalid bearer token: send "Authorization: Bearer <token>" with the token the server was started with.';
    expect(redactSecrets(message)).toBe(message);
  });
});

describe('which failures lower the concurrency', () => {
  const status = (code: number) => classifyFailure(APIError.generate(code, { message: `status ${code}` }, undefined, new Headers()));
  it('halves it on saturation (429, 503, 504, 529 and stalls), retries faults (500, 502) at the same concurrency, and never retries a bad request', () => {
    for (const code of [429, 503, 504, 529]) expect(status(code), `HTTP ${code}`).toMatchObject({ retryable: true, overload: true });
    expect(classifyFailure(new StallError(30_000))).toMatchObject({ retryable: true, overload: true });
    for (const code of [500, 502]) expect(status(code), `HTTP ${code}`).toMatchObject({ retryable: true, overload: false });
    for (const code of [400, 401, 404]) expect(status(code), `HTTP ${code}`).toMatchObject({ retryable: false, overload: false });
  });
});

describe('which failures stop the step rather than become an error row', () => {
  const failed = (code: number, apiKeyEnv?: string) => {
    const err = APIError.generate(code, { message: `status ${code}` }, undefined, new Headers());
    return new RequestFailedError(`chat at http://gpu:8000/v1 failed: HTTP ${code}`, classifyFailure(err, apiKeyEnv), 1, err);
  };
  it('stops on a refused key or a model not served, saying what to do; an item-level failure stays a row', () => {
    expect(stepStopper(failed(401, 'OPENROUTER_KEY'))?.message).toBe('chat at http://gpu:8000/v1 failed: HTTP 401 — the server refused the API key in OPENROUTER_KEY: check its value, then run again');
    expect(stepStopper(failed(401))?.message).toBe('chat at http://gpu:8000/v1 failed: HTTP 401 — the server needs an API key: set engine.apiKeyEnv to the variable that holds it, then run again');
    expect(stepStopper(failed(404))?.message).toMatch(/^chat at http:\/\/gpu:8000\/v1 failed: HTTP 404 — the server does not serve this model or route/);
    // A 403 can be one flagged request (OpenRouter's moderation, a web firewall): it stays that item's row.
    for (const code of [400, 403, 413, 422, 500, 503]) expect(stepStopper(failed(code)), `HTTP ${code}`).toBeNull();
    expect(stepStopper(new Error('a parse error'))).toBeNull();
  });
});
