import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { asciiStream } from '../../src/app.js';

describe('the --ascii terminal', () => {
  it('writes only printable ASCII and is otherwise the terminal it wraps (its size, its events)', () => {
    const written: string[] = [];
    const terminal = Object.assign(new PassThrough(), { columns: 91, rows: 33 });
    terminal.on('data', (b: Buffer) => written.push(b.toString('utf8')));
    const ascii = asciiStream(terminal as unknown as NodeJS.WriteStream);
    let resized = false;
    ascii.on('resize', () => (resized = true));
    terminal.emit('resize');
    ascii.write('exported — 3 × 2 → ok ✓\n');
    expect(written.join('')).toBe('exported - 3 x 2 > ok ?\n');
    expect([ascii.columns, ascii.rows, resized]).toEqual([91, 33, true]);
  });
});
