import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelsCommand } from '../../src/commands/models.js';
import { ConfigError } from '../../src/domain/errors.js';
import { probeCacheFile, probeServer } from '../../src/engines/openai/index.js';
import { preflightOpenAIModel } from '../../src/engines/openai/preflight.js';
import { ModelEntry } from '../../src/domain/session.js';
import { useTempDir } from '../helpers/tmp.js';
import { startFakeServer, type FakeServer } from './fake-server.js';

// A base URL that points at something other than an OpenAI-compatible API (a web page, another
// JSON API) or carries what a base URL must not (a password, a query string) is refused in one
// line saying what to change, never listed as a server "with no models".

const tempDir = useTempDir('baskets-base-url-');
let server: FakeServer;
beforeEach(async () => {
  process.env.BASKETS_CACHE_DIR = tempDir();
  server = await startFakeServer({
    'GET /v1/models': () => ({ status: 200, text: '<!doctype html><title>Grafana</title>', type: 'text/html; charset=utf-8' }),
    'GET /api/models': () => ({ json: { models: [{ name: 'llama3' }] } }),
  });
});
afterEach(async () => {
  await server.close();
  delete process.env.BASKETS_CACHE_DIR;
});

const run = (baseUrl: string) => modelsCommand(baseUrl, { out: () => {} });

describe('a server that does not answer like an OpenAI-compatible API', () => {
  it('an HTML page at /models: `baskets models` fails naming the URL, what came back and what to check', async () => {
    await expect(run(server.url)).rejects.toThrow(
      `the server at ${server.url} did not answer like an OpenAI-compatible API (GET /models gave HTTP 200, text/html) — check the base URL (it usually ends in /v1)`,
    );
    expect(server.requests.map((r) => r.route)).toEqual(['GET /v1/models']); // not retried: the next answer is the same page
    expect(existsSync(probeCacheFile(server.url))).toBe(false);
  });

  it('JSON without a "data" list: the probe fails, and so does the preflight of a session model on it', async () => {
    const baseUrl = server.url.replace(/\/v1$/, '/api');
    await expect(probeServer(baseUrl)).rejects.toThrow(`(GET /models gave HTTP 200, JSON without a "data" list of models) — check the base URL (it usually ends in /v1)`);
    const entry = ModelEntry.parse({ id: 'm', family: 'openai', size: 'small', roles: ['source'], engine: { engine: 'openai', baseUrls: [baseUrl], model: 'llama3' } });
    expect(await preflightOpenAIModel(entry)).toBe(
      `model "m": the server at ${baseUrl} did not answer like an OpenAI-compatible API (GET /models gave HTTP 200, JSON without a "data" list of models) — check the base URL (it usually ends in /v1)`,
    );
  });
});

describe('base URLs that carry credentials or a query string', () => {
  const refusal = async (baseUrl: string) => {
    const err = (await run(baseUrl).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ConfigError);
    expect(server.requests).toEqual([]); // refused before any request
    return err.message;
  };

  it('user:password@ is refused up front, and the password is never printed', async () => {
    const message = await refusal(server.url.replace('http://', 'http://alice:hunter2-secret@'));
    expect(message).toBe('the base URL holds a user name or password: remove the "user:password@" part and put the API key in an environment variable and name it (--api-key-env VAR, or apiKeyEnv in the session)');
    for (const url of ['http://alice:hunter2-secret@bad host/v1', 'alice:hunter2-secret@localhost/v1']) {
      const quoted = await refusal(url);
      expect(quoted).not.toContain('hunter2-secret');
      expect(quoted).toContain('***@');
    }
  });

  it('a query string or fragment is refused, without echoing it', async () => {
    for (const url of [`${server.url}?api_key=sk-live-0123456789`, `${server.url}?`, `${server.url}#models`]) {
      const message = await refusal(url);
      expect(message).toMatch(/^the base URL has a query string or fragment, which request paths cannot follow: remove the "\?…" or "#…" part and put the API key in an environment variable/);
      expect(message).not.toContain('sk-live');
    }
  });
});
