import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportCommand } from '../../src/commands/report.js';
import { sessionPaths } from '../../src/pipeline/paths.js';
import { EVALUATION_USES, inputChanges, studyInputs } from '../../src/pipeline/provenance.js';
import { RESULT_VERSION, type PerplexityResultFile } from '../../src/pipeline/results.js';
import { Session, type SessionInput } from '../../src/domain/session.js';
import { staleness } from '../../src/pipeline/staleness.js';
import { SessionStore } from '../../src/pipeline/store.js';
import { writeJsonAtomic } from '../../src/util/atomic.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir();

function study(dir: string, edit: (s: SessionInput) => void = () => {}): Session {
  const data = join(dir, 'rows.jsonl');
  const input: SessionInput = {
    version: 1,
    name: 's',
    createdAt: 'now',
    seed: 1234,
    data: { source: { kind: 'file', path: data } },
    models: [
      { id: 'gen', family: 'f', size: 'small', roles: ['source', 'target'], engine: { engine: 'openai', baseUrls: ['http://127.0.0.1:9/v1'], model: 'm', concurrency: 8 }, generation: { temperature: 0.7 } },
    ],
    conditions: [{ name: 'gen/human', target: 'gen', kind: 'human' }],
  };
  edit(input);
  return Session.parse(input);
}

describe('what a result was made from', () => {
  it('names the data file by its sha256 and sees its content change under the same path', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'rows.jsonl'), '{"instruction":"a","response":"b"}\n');
    const before = studyInputs(study(dir));
    expect(before.data.file).toMatchObject({ path: join(dir, 'rows.jsonl'), sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: 35 });
    expect(before.baskets).toMatch(/^\d+\.\d+\.\d+/);
    writeFileSync(join(dir, 'rows.jsonl'), '{"instruction":"a","response":"c"}\n');
    const after = studyInputs(study(dir));
    expect(inputChanges(before, after, [])).toEqual([
      `the data file ${join(dir, 'rows.jsonl')} changed (sha256 ${before.data.file!.sha256.slice(0, 12)} → ${after.data.file!.sha256.slice(0, 12)})`,
    ]);
  });

  it('says what changed: the seed, a data setting, a model that writes differently, an evaluation the result uses', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'rows.jsonl'), '{}\n');
    const before = studyInputs(study(dir));
    const after = studyInputs(
      study(dir, (s) => {
        s.seed = 7;
        s.data.testFraction = 0.2;
        s.models![0].generation = { temperature: 1 };
        s.evaluation = { safety: { judge: 'gen' } };
      }),
    );
    expect(inputChanges(before, after, EVALUATION_USES.safety)).toEqual([
      'the seed changed (1234 → 7)',
      'data.testFraction changed (0.1 → 0.2)',
      'the settings of gen changed',
      'evaluation.safety changed',
    ]);
    // Perplexity does not use the safety settings.
    expect(inputChanges(before, after, EVALUATION_USES.perplexity)).not.toContain('evaluation.safety changed');
  });

  it('ignores settings that only change how the work is done (concurrency, servers, timeouts)', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'rows.jsonl'), '{}\n');
    const before = studyInputs(study(dir));
    const after = studyInputs(
      study(dir, (s) => {
        s.models![0].engine = { engine: 'openai', baseUrls: ['http://10.0.0.2:8000/v1'], model: 'm', concurrency: 64, timeoutS: 30 };
      }),
    );
    expect(inputChanges(before, after, EVALUATION_USES.answers)).toEqual([]);
  });
});

describe('results that no longer match the session', () => {
  function withResult(seedThen: number, recorded: boolean) {
    const store = new SessionStore(tmp());
    const dir = tmp();
    writeFileSync(join(dir, 'rows.jsonl'), '{}\n');
    const then = study(dir, (s) => void (s.seed = seedThen));
    store.create({ ...then });
    const paths = sessionPaths(store.dir('s'));
    const file: PerplexityResultFile = { version: RESULT_VERSION, kind: 'perplexity', createdAt: 'now', seed: seedThen, items: 0, models: [], comparisons: [], ...(recorded ? { inputs: studyInputs(then) } : {}) };
    writeJsonAtomic(paths.result('perplexity'), file);
    return { paths, file, dir };
  }

  it('are marked out of date, with what changed, for the result and its notebook cell', () => {
    const { paths, file, dir } = withResult(1234, true);
    expect(staleness(study(dir), paths, { perplexity: file })).toEqual({ results: {}, steps: {} });
    const changed = staleness(study(dir, (s) => void (s.seed = 99)), paths, { perplexity: file });
    expect(changed.results.perplexity).toBe('out of date: the seed changed (1234 → 99) since these results were made');
    expect(changed.steps.perplexity).toBe(changed.results.perplexity);
  });

  it('made before results recorded their inputs are still checked against their seed', () => {
    const { paths, file, dir } = withResult(5, false);
    expect(staleness(study(dir), paths, { perplexity: file }).results.perplexity).toBe('out of date: the seed changed (5 → 1234) since these results were made');
  });

  it('switched off since are said to be from an earlier run', () => {
    const { paths, file, dir } = withResult(1234, true);
    const off = study(dir, (s) => void (s.evaluation = { perplexity: false }));
    expect(staleness(off, paths, { perplexity: file }).results.perplexity).toBe(
      'perplexity is switched off (evaluation.perplexity): these results are from an earlier run',
    );
  });
});

describe('baskets report', () => {
  it('names every input with its checksum, and marks results made before a change of seed', async () => {
    const store = new SessionStore(tmp());
    const dir = tmp();
    const rows = join(dir, 'rows.jsonl');
    writeFileSync(rows, '{"instruction":"a","response":"b"}\n');
    const session = study(dir);
    store.create({ ...session });
    writeJsonAtomic(sessionPaths(store.dir('s')).result('perplexity'), { version: RESULT_VERSION, kind: 'perplexity', createdAt: 'now', seed: 1234, items: 0, models: [], comparisons: [], inputs: studyInputs(session) });
    const report = async (format: string) => {
      const out: string[] = [];
      await reportCommand(store, 's', { format, print: (s) => out.push(s) });
      return out.join('\n');
    };
    const sha = studyInputs(session).data.file!.sha256;
    const md = await report('md');
    expect(md).toContain(`- **data**: ${rows} (sha256 ${sha}, 35 bytes)`);
    expect(md).toContain('- **model gen**: f small, source/target; openai m; temperature 0.7, top-p 0.9, max tokens 1024, 1 sample');
    expect(md).not.toContain('out of date');
    expect(JSON.parse(await report('json')).inputs.fingerprint.data.file.sha256).toBe(sha);

    store.save({ ...store.load('s'), seed: 99 });
    expect(await report('md')).toContain('_out of date: the seed changed (1234 → 99) since these results were made._');
    expect(JSON.parse(await report('json')).stale).toEqual({ perplexity: 'out of date: the seed changed (1234 → 99) since these results were made' });
  });
});
