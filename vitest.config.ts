import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: ['test/setup/tmpdir.ts'],
    // Limits that only end a hung test, never a speed claim: a busy 2-core machine (load 20) runs
    // a TUI journey of a hundred keystrokes or a CLI run 5–10× slower than a quiet one, and 30 s
    // was not enough there. Tests that do more work (a whole run, pretraining) set their own.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // 2-core CI machines: two workers, one a core.
    maxWorkers: 2,
  },
});
