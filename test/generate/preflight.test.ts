import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateStep } from '../../src/pipeline/steps/generate.js';
import { deadPort, dollyExamples, makeSession, openaiSource, runStep } from './fixture.js';

async function preflightError(source: ReturnType<typeof openaiSource>) {
  const s = makeSession([source], dollyExamples(3));
  const { events, error } = await runStep(generateStep, s);
  expect(events).toEqual([]); // nothing happened before the check
  expect(existsSync(s.paths.synthetic(source.id))).toBe(false);
  expect(error).toBeDefined();
  expect(error!.message.split('\n')).toHaveLength(1);
  expect(error!.message).toContain(`model "${source.id}"`);
  return error!.message;
}

describe('generate preflight: one-line errors before any work', () => {
  it('a dead endpoint', async () => {
    const port = await deadPort();
    const msg = await preflightError(openaiSource('dead', `http://127.0.0.1:${port}/v1`, 'm'));
    expect(msg).toMatch(/nothing is listening at http:\/\/127\.0\.0\.1:\d+\/v1 — start the server/);
  });

  it('an unreachable DNS name', async () => {
    const msg = await preflightError(openaiSource('nowhere', 'http://baskets-test.invalid:8000/v1', 'm'));
    expect(msg).toContain('cannot resolve host "baskets-test.invalid"');
  });

  it('a missing API-key variable', async () => {
    delete process.env.BASKETS_TEST_MISSING_KEY;
    const msg = await preflightError(openaiSource('keyless', 'http://127.0.0.1:1/v1', 'm', { apiKeyEnv: 'BASKETS_TEST_MISSING_KEY' }));
    expect(msg).toContain('environment variable BASKETS_TEST_MISSING_KEY is not set — export BASKETS_TEST_MISSING_KEY=');
  });
});
