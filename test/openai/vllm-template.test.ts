import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Session, formatSchemaIssues } from '../../src/domain/session.js';

describe('sessions/vllm-template', () => {
  const raw = JSON.parse(readFileSync(new URL('../../sessions/vllm-template/session.json', import.meta.url), 'utf8'));

  it('validates against the Session schema', () => {
    const parsed = Session.safeParse(raw);
    expect(parsed.success ? [] : formatSchemaIssues(parsed.error)).toEqual([]);
  });

  it('names four vLLM instruct models on their own ports, keys by variable only, and a Dolly file source', () => {
    const session = Session.parse(raw);
    expect(session.data.source).toEqual({ kind: 'file', path: 'path/to/databricks-dolly-15k.jsonl' });
    const urls = session.models.map((m) => (m.engine.engine === 'openai' ? m.engine.baseUrls[0] : ''));
    expect(urls).toEqual(['http://localhost:8000/v1', 'http://localhost:8001/v1', 'http://localhost:8002/v1', 'http://localhost:8003/v1']);
    expect(new Set(session.models.map((m) => m.family))).toEqual(new Set(['llama', 'qwen', 'mistral', 'gemma']));
    for (const c of session.conditions) for (const s of c.sources) expect(session.models.some((m) => m.id === s.model)).toBe(true);
  });
});
