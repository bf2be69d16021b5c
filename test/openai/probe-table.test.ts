import { describe, expect, it } from 'vitest';
import { formatProbeTable } from '../../src/commands/models.js';
import type { ModelProbe, ServerProbe } from '../../src/engines/openai/probe.js';
import { displayWidth } from '../../src/util/text-width.js';

const model = (name: string): ModelProbe => ({
  model: name,
  chat: true,
  streaming: true,
  chatLogprobs: false,
  tokenize: true,
  scoring: null,
  embeddings: false,
  contextLength: 4096,
  notes: [],
});

describe('the probe table of baskets models', () => {
  it('aligns its columns in terminal cells when a model name is CJK, an emoji sequence or accented', () => {
    const probe: ServerProbe = {
      baseUrl: 'http://127.0.0.1:8000/v1',
      server: 'vllm',
      probedAt: '2026-01-01T00:00:00.000Z',
      models: [model('llama'), model('qwen-日本語'), model('fam-👨‍👩‍👧'), model('ce\u0301line')],
    };
    const lines = formatProbeTable(probe, false);
    const table = lines.slice(lines.indexOf('') + 1, lines.indexOf('') + 6);
    expect(table[0].startsWith('model')).toBe(true);
    const chatCell = (line: string) => displayWidth(line.slice(0, line.indexOf(line === table[0] ? 'chat' : 'yes')));
    // The widest name, "qwen-日本語", takes 11 cells, then the two-space gap.
    for (const line of table) expect(chatCell(line), line).toBe(13);
  });
});
