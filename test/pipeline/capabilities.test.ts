import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCliAsync } from '../cli/cli.js';
import { useTempDir } from '../helpers/tmp.js';
import { chatAnswer, chatStream, modelList, startFakeServer, type FakeServer } from '../openai/fake-server.js';

/**
 * A run is refused before any work when a model cannot do what a step will ask of it: on a GPU
 * box that is hours of generation and training not thrown away at the perplexity step.
 */
const tempDir = useTempDir('baskets-capabilities-');
let server: FakeServer;
let root: string;
beforeEach(async () => {
  root = tempDir();
  // A chat-only server, as llama.cpp or transformers serve are: no /tokenize, no prompt scoring, no embeddings.
  server = await startFakeServer({
    'GET /v1/models': () => modelList(['chatty'], 'llamacpp'),
    'POST /v1/chat/completions': (body) => (body.stream ? chatStream(body, ['OK']) : chatAnswer(body, 'OK', true)),
  });
});
afterEach(() => server.close());

function writeSession(evaluation: Record<string, unknown>, target: Record<string, unknown> = { engine: 'openai', baseUrls: [server.url], model: 'chatty' }) {
  const session = {
    version: 1,
    name: 's',
    createdAt: '2026-12-06T00:00:00.000Z',
    data: { source: { kind: 'builtin', name: 'sotu-continuations' }, subsample: 20 },
    models: [
      { id: 'remote', family: 'llama', size: 'small', roles: ['source', 'target', 'judge'], engine: target, trainer: { kind: 'openai-ft', baseModel: 'chatty' } },
      { id: 'fs', family: 'founders', size: 'small', roles: ['source'], engine: { engine: 'builtin', base: 'founders-small' } },
    ],
    conditions: [{ name: 'remote/vanilla', target: 'remote', kind: 'vanilla' }],
    evaluation,
  };
  mkdirSync(join(root, 'sessions', 's'), { recursive: true });
  writeFileSync(join(root, 'sessions', 's', 'session.json'), JSON.stringify(session));
}
const run = (...steps: string[]) =>
  runCliAsync(['--sessions', join(root, 'sessions'), 'run', 's', '--headless', ...(steps.length ? ['--steps', steps.join(',')] : [])], { BASKETS_CACHE_DIR: join(root, 'cache') });
/** Chat requests other than the probe's own ("Say OK."). */
const work = () => server.requests.filter((r) => r.route === 'POST /v1/chat/completions' && !JSON.stringify(r.body.messages).includes('Say OK.'));

describe('the capability check when a run starts', () => {
  it('refuses, one line per problem, a model that cannot score for perplexity or embed for diversity, before any generation', async () => {
    writeSession({ diversity: { embedder: 'remote' } });
    const result = await run();
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')).toEqual([
      'baskets: session "s" cannot run: found before any work:',
      '  model "remote" cannot score, which the perplexity step needs: serve it with vLLM or SGLang, or run it on the hf engine, or switch evaluation.perplexity off',
      '  model "remote" cannot embed, which the diversity step needs: serve a pooling model for it (vLLM/SGLang), run it on the hf engine, or set evaluation.diversity.embedder to "builtin"',
      '',
    ]);
    expect(work()).toEqual([]);
  });

  it('checks only the steps asked for, and a rerun reads the probe from the cache', async () => {
    writeSession({});
    expect((await run('data', 'generate')).code).toBe(0);
    const probes = server.requests.length - work().length;
    expect((await run('data', 'generate')).code).toBe(0);
    expect(server.requests.length - work().length).toBe(probes + 1); // the run's preflight lists /models again; nothing is probed twice
    expect((await run('perplexity')).code).toBe(2);
  });

  it('says so when the server is down', async () => {
    const gone = await startFakeServer({});
    await gone.close();
    writeSession({}, { engine: 'openai', baseUrls: [gone.url], model: 'chatty' });
    const result = await run('data', 'generate');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`  model "remote": nothing is listening at ${gone.url}`);
  });

  it('refuses an hf encoder as a target whose perplexity is asked for, from its config alone', async () => {
    const encoder = join(root, 'bert');
    mkdirSync(encoder);
    writeFileSync(join(encoder, 'config.json'), JSON.stringify({ architectures: ['BertModel'], model_type: 'bert' }));
    writeSession({}, { engine: 'hf', model: encoder });
    const result = await run('perplexity');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('model "remote" cannot score, which the perplexity step needs');
  });
});
