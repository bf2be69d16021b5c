import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectFile } from '../../src/trainers/hf/launch.js';

const SCRIPT = projectFile('trainers/train_hf.py');

describe('trainers/train_hf.py (no torch here: its libraries are stood in for)', () => {
  it('counts only training tokens for tokens/s: evaluation batches share the collator but are left out', () => {
    const out = execFileSync('python3', [join(import.meta.dirname, 'fixtures', 'check_token_counting.py'), SCRIPT], { encoding: 'utf8' });
    // Two training rows of 3 and 5 tokens; three evaluations of a 100-token row are not counted.
    expect(JSON.parse(out)).toEqual({ tokens: 8, counting: true });
  });
});
