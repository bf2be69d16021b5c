import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrainedModel, trainedModelRevision, writeTrainedModel } from '../../src/trainers/trained-model.js';

describe('model.json', () => {
  it('is absent until a run finishes, and round-trips with paths relative to the run dir', () => {
    const runDir = mkdtempSync(join(tmpdir(), 'baskets-tm-'));
    expect(readTrainedModel(runDir)).toBeNull();
    writeTrainedModel(runDir, { kind: 'unserved', adapterDir: join(runDir, 'adapter'), serveCommand: ['vllm', 'serve', 'm'] });
    expect(JSON.parse(readFileSync(join(runDir, 'model.json'), 'utf8')).adapterDir).toBe('adapter');
    expect(readTrainedModel(runDir)).toEqual({ kind: 'unserved', adapterDir: join(runDir, 'adapter'), serveCommand: ['vllm', 'serve', 'm'] });
  });

  it('names the file and what to do when it is damaged', () => {
    const runDir = mkdtempSync(join(tmpdir(), 'baskets-tm-'));
    writeFileSync(join(runDir, 'model.json'), '{"kind": "builtin"}');
    expect(() => readTrainedModel(runDir)).toThrow(/model\.json is not a valid trained-model file .*: delete it and rerun the train step/);
  });

  it('has a revision that follows what the model was trained on and survives moving the session folder', () => {
    const runDir = mkdtempSync(join(tmpdir(), 'baskets-tm-'));
    expect(trainedModelRevision(runDir)).toBeNull();
    writeTrainedModel(runDir, { kind: 'builtin', modelDir: join(runDir, 'model') });
    // A file from before fingerprints reads as it did.
    expect(readTrainedModel(runDir)).toEqual({ kind: 'builtin', modelDir: join(runDir, 'model') });
    const legacy = trainedModelRevision(runDir);
    writeTrainedModel(runDir, { kind: 'builtin', modelDir: join(runDir, 'model'), trainedOn: { dataset: 'a'.repeat(64), recipe: 'b'.repeat(64) } });
    const first = trainedModelRevision(runDir);
    expect(first).not.toBe(legacy);
    const moved = mkdtempSync(join(tmpdir(), 'baskets-tm-moved-'));
    cpSync(runDir, moved, { recursive: true });
    expect(trainedModelRevision(moved)).toBe(first);
    writeTrainedModel(runDir, { kind: 'builtin', modelDir: join(runDir, 'model'), trainedOn: { dataset: 'c'.repeat(64), recipe: 'b'.repeat(64) } });
    expect(trainedModelRevision(runDir)).not.toBe(first);
  });
});

