import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeJsonAtomic } from '../../util/atomic.js';

/**
 * Finished work kept beside its inputs' fingerprint, so that a resumed step takes it as it is
 * instead of computing it again, and recomputes it once its inputs change.
 */

/** The sha256 of a JSON value; typed arrays and number[] vectors hash by their Float64 bytes (a JSON of 384,000 floats is slow). */
export function fingerprint(value: unknown): string {
  const hash = createHash('sha256');
  const walk = (v: unknown): void => {
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number')) {
      hash.update(`f64[${v.length}]`);
      hash.update(new Uint8Array(Float64Array.from(v).buffer));
    } else if (Array.isArray(v)) {
      hash.update('[');
      v.forEach((x) => {
        walk(x);
        hash.update(',');
      });
      hash.update(']');
    } else if (v !== null && typeof v === 'object') {
      hash.update('{');
      for (const [k, x] of Object.entries(v)) {
        hash.update(JSON.stringify(k));
        hash.update(':');
        walk(x);
        hash.update(',');
      }
      hash.update('}');
    } else hash.update(v === undefined ? 'undefined' : JSON.stringify(v));
  };
  walk(value);
  return hash.digest('hex');
}

/** The result kept in `file` for exactly these inputs, or null (none kept, other inputs, unreadable). */
export function readFinished<T>(file: string, inputs: string): T | null {
  if (!existsSync(file)) return null;
  try {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { inputs?: unknown; result?: T };
    return kept.inputs === inputs && kept.result !== undefined ? kept.result : null;
  } catch {
    return null; // a damaged file is work to do again, not an error
  }
}

export function writeFinished(file: string, inputs: string, result: unknown): void {
  writeJsonAtomic(file, { inputs, result });
}
