import { createHash } from 'node:crypto';

/** The hex sha256 of a text or bytes: the one hash of keys, fingerprints and run identities. */
export const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
