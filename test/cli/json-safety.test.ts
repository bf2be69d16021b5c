import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelsCommand } from '../../src/commands/models.js';
import { createPrinter } from '../../src/commands/printer.js';
import { toJson as reportJson } from '../../src/commands/report.js';
import type { RunEvent } from '../../src/domain/events.js';
import { safeJson } from '../../src/util/sanitize.js';
import { useTempDir } from '../helpers/tmp.js';
import { chatAnswer, modelList, startFakeServer, type FakeServer } from '../openai/fake-server.js';
import { preferenceFile } from '../results/fixtures.js';

/** A C1 CSI that clears the screen, a C1 OSC, and a right-to-left override, as a hostile model name might hold them. */
const HOSTILE = 'evil\u009b2J\u009d0;pwned\u0007\u202egnp.exe';
/** What must never reach a terminal raw. */
const RAW = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('JSON outputs are safe to print and read back exactly', () => {
  it('escapes C1 controls and bidi overrides, which JSON.stringify leaves raw', () => {
    const value = { name: HOSTILE, list: ['\u2066x\u2069'] };
    expect(JSON.stringify(value)).toMatch(RAW);
    const text = safeJson(value, 2);
    expect(text).not.toMatch(RAW);
    expect(text).toContain('\\u009b2J');
    expect(JSON.parse(text)).toEqual(value);
  });

  it('attach --json and run --json write events with them escaped', () => {
    const lines: string[] = [];
    const event: RunEvent = { type: 'log', t: 0, runId: 'r', step: 'train', level: 'warn', message: `from the log: ${HOSTILE}` };
    createPrinter((l) => lines.push(l), { json: true })(event);
    expect(lines[0]).not.toMatch(RAW);
    expect(JSON.parse(lines[0])).toEqual(event);
  });

  it('report --format json escapes what the results hold', () => {
    const preference = preferenceFile();
    preference.judges[0].family = HOSTILE;
    const text = reportJson('s', { training: null, answers: null, perplexity: null, diversity: null, safety: null, preference }, {});
    expect(text).not.toMatch(RAW);
    expect(JSON.parse(text).results.preference.judges[0].family).toBe(HOSTILE);
  });

  describe('models --json', () => {
    const tempDir = useTempDir('baskets-json-safety-');
    let server: FakeServer;
    beforeEach(async () => {
      process.env.BASKETS_CACHE_DIR = tempDir();
      server = await startFakeServer({
        'GET /v1/models': () => modelList([HOSTILE], 'vllm'),
        'POST /v1/chat/completions': (body) => chatAnswer(body, 'OK', true),
      });
    });
    afterEach(async () => {
      await server.close();
      delete process.env.BASKETS_CACHE_DIR;
    });

    it("escapes a server's model names", async () => {
      const lines: string[] = [];
      expect(await modelsCommand(server.url, { json: true, out: (l) => lines.push(l) })).toBe(0);
      const text = lines.join('\n');
      expect(text).not.toMatch(RAW);
      expect(JSON.parse(text).models[0].model).toBe(HOSTILE);
    });
  });
});
