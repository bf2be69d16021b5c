import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBuiltinBases } from '../../src/engines/builtin/index.js';
import { openOpenAIModel, probeServer } from '../../src/engines/openai/index.js';
import { parseFaults, startServer } from '../../src/engines/serve/index.js';
import { formatSchemaIssues, Session, type ModelEntry } from '../../src/domain/session.js';
import { openaiSource } from './fixture.js';

// The retry budget and request timeout of an openai entry come from session.json (maxRetries, timeoutS).
const base = listBuiltinBases()[0].id;
// Faults start off so the probe succeeds; each test then turns on the one it needs.
const faults = parseFaults('seed=3');
const faultLog: string[] = [];
/** Called with each fault the server injects, after it is logged. */
let onFault: (line: string) => void = () => undefined;
/** Longer than any test may run: a stall this long can only end by a timeout or a cancel. */
const HOUR_MS = 3_600_000;
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, models: [base], faults, log: (l) => {
      if (!l.startsWith('fault:')) return;
      faultLog.push(l);
      onFault(l);
    },
  });
  // Probe once with no faults, so the tests below use the cached probe and meet faults only in chat.
  const warm = await openOpenAIModel(entry({}));
  await warm.generate([{ role: 'user', content: 'warm up' }], { temperature: 0, topP: 1, maxTokens: 2, seed: 1 });
  await warm.close();
});
afterAll(() => server.close());

function entry(engine: Record<string, unknown>): ModelEntry {
  const session = Session.parse({ version: 1, name: 's', createdAt: 'now', data: { source: { kind: 'file', path: 'x.jsonl' } }, models: [openaiSource('m', server.url, base, engine)] });
  return session.models[0];
}

function parseIssues(engine: Record<string, unknown>): string[] {
  const r = Session.safeParse({ version: 1, name: 's', createdAt: 'now', data: { source: { kind: 'file', path: 'x.jsonl' } }, models: [openaiSource('m', 'http://127.0.0.1:1/v1', 'x', engine)] });
  return r.success ? [] : formatSchemaIssues(r.error);
}

async function failureOf(engine: Record<string, unknown>, rates: Partial<typeof faults.rates>, stallMs = HOUR_MS) {
  Object.assign(faults.rates, { '5xx': 0, stall: 0 }, rates);
  faults.stallMs = stallMs;
  faultLog.length = 0;
  const model = await openOpenAIModel(entry(engine));
  try {
    await model.generate([{ role: 'user', content: 'hello' }], { temperature: 0, topP: 1, maxTokens: 4, seed: 1 });
    throw new Error('expected the request to fail');
  } catch (err) {
    return { message: (err as Error).message, requests: faultLog.length };
  } finally {
    Object.assign(faults.rates, { '5xx': 0, stall: 0 });
    await model.close();
  }
}

describe('openai entry: maxRetries and timeoutS', () => {
  it('maxRetries sets how many times a failing request is retried; 5 when unset', async () => {
    const none = await failureOf({ maxRetries: 0 }, { '5xx': 1 });
    expect(none.requests).toBe(1);
    expect(none.message).toMatch(/^chat for model "m" at \S+ failed: /);
    const two = await failureOf({ maxRetries: 2 }, { '5xx': 1 });
    expect(two.requests).toBe(3);
    expect(two.message).toContain('failed after 3 attempts');
    const unset = await failureOf({}, { '5xx': 1 });
    expect(unset.requests).toBe(6);
    expect(unset.message).toContain('failed after 6 attempts');
  });

  it('timeoutS fails a stalled attempt after that many seconds instead of waiting the stall out', async () => {
    // Each attempt stalls for an hour: failing at all shows timeoutS cut both attempts.
    const stalled = await failureOf({ maxRetries: 1, timeoutS: 0.4 }, { stall: 1 });
    expect(stalled.requests).toBe(2);
    expect(stalled.message).toContain('failed after 2 attempts');
    expect(stalled.message).toMatch(/0\.4 s|timed out/i);
  });

  it('a cancel reaches a probe in progress at once, whatever its timeout', async () => {
    // The probe's request stalls for an hour under an hour's timeout: only the cancel can end it,
    // sent once the server holds the request.
    Object.assign(faults.rates, { stall: 1 });
    faults.stallMs = HOUR_MS;
    const cancel = new AbortController();
    onFault = (l) => l === 'fault: stall' && cancel.abort(new Error('cancelled by the user'));
    try {
      await expect(probeServer(server.url, { refresh: true, models: [base], timeoutMs: HOUR_MS, signal: cancel.signal })).rejects.toThrow(/cancelled by the user/);
    } finally {
      Object.assign(faults.rates, { stall: 0 });
      onFault = () => undefined;
    }
  });

  it('rejects a bad budget or timeout with the path of the key', () => {
    expect(parseIssues({ maxRetries: -1 })).toEqual([expect.stringMatching(/^models\.0\.engine\.maxRetries: /)]);
    expect(parseIssues({ maxRetries: 1.5 })).toEqual([expect.stringMatching(/^models\.0\.engine\.maxRetries: /)]);
    expect(parseIssues({ timeoutS: 0 })).toEqual([expect.stringMatching(/^models\.0\.engine\.timeoutS: /)]);
    expect(parseIssues({ timeoutS: '30' })).toEqual([expect.stringMatching(/^models\.0\.engine\.timeoutS: /)]);
    expect(parseIssues({ maxRetries: 3, timeoutS: 2.5 })).toEqual([]);
  });
});
