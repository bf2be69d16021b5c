import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic.js';

/**
 * The on-disk form of builtin models: a one-line JSON header (magic, format version, cache
 * key, SHA-256 of the body, metadata, array names and lengths) followed by the little-endian
 * Int32 arrays. A file whose header, key or checksum does not match is treated as absent and
 * rebuilt, never trusted.
 */

/** Bump when the pretraining recipe or the file layout changes: old cache files become stale. */
export const CACHE_FORMAT_VERSION = 1;
const MAGIC = 'baskets-builtin-pack';

export function builtinCacheDir(): string {
  if (process.env.BASKETS_CACHE_DIR) return process.env.BASKETS_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'baskets');
}

interface Header {
  magic: string;
  version: number;
  key: string;
  sha256: string;
  meta: unknown;
  arrays: { name: string; length: number }[];
}

function digest(meta: string, body: Uint8Array): string {
  return createHash('sha256').update(meta).update(body).digest('hex');
}

export function writePack(path: string, key: string, meta: unknown, arrays: Record<string, Int32Array>): void {
  const list = Object.entries(arrays);
  const body = Buffer.concat(list.map(([, a]) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
  const metaJson = JSON.stringify(meta);
  const header: Header = {
    magic: MAGIC,
    version: CACHE_FORMAT_VERSION,
    key,
    sha256: digest(metaJson, body),
    meta,
    arrays: list.map(([name, a]) => ({ name, length: a.length })),
  };
  writeFileAtomic(path, Buffer.concat([Buffer.from(JSON.stringify(header) + '\n'), body]));
}

/** The pack at `path`, or null when it is missing, corrupt, or written for another key/version. */
export function readPack<M>(path: string, key: string): { meta: M; arrays: Record<string, Int32Array> } | null {
  if (!existsSync(path)) return null;
  const buf = readFileSync(path);
  const nl = buf.indexOf(10);
  if (nl < 0) return null;
  let header: Header;
  try {
    header = JSON.parse(buf.subarray(0, nl).toString('utf8')) as Header;
  } catch {
    return null;
  }
  if (header.magic !== MAGIC || header.version !== CACHE_FORMAT_VERSION || header.key !== key || !Array.isArray(header.arrays)) return null;
  const body = buf.subarray(nl + 1);
  const expected = header.arrays.reduce((n, a) => n + a.length * 4, 0);
  if (body.length !== expected || digest(JSON.stringify(header.meta), body) !== header.sha256) return null;
  // Copy into fresh, aligned buffers: the file buffer's offset need not be a multiple of 4.
  const aligned = new Uint8Array(body);
  const arrays: Record<string, Int32Array> = {};
  let offset = 0;
  for (const a of header.arrays) {
    arrays[a.name] = new Int32Array(aligned.buffer, offset, a.length);
    offset += a.length * 4;
  }
  return { meta: header.meta as M, arrays };
}
