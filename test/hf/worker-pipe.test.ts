import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HfWorker, WorkerExitedError } from '../../src/engines/hf/worker.js';

const python = spawnSync('python3', ['--version']).status === 0 ? 'python3' : undefined;
const script = new URL('./fixtures/deaf_worker.py', import.meta.url).pathname;

describe('an hf worker whose stdin is gone while it still runs', () => {
  it.skipIf(!python)(`is closed, and a request to it fails, without the broken pipe crashing the process (${python ?? 'SKIPPED: no python3'})`, async () => {
    const worker = await HfWorker.start({ python: python!, script, args: ['2'], label: 'model "deaf"' });
    // Its stdin is closed: these writes meet EPIPE, which must not surface as an uncaught error.
    const asked = worker.request('generate', { prompt: 'hello' }).catch((err: unknown) => err);
    await worker.close(5_000);
    expect(await asked).toBeInstanceOf(WorkerExitedError);
  });
});
