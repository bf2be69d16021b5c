import { ConfigError } from '../../domain/errors.js';
import { mulberry32 } from '../../util/rng.js';

/**
 * Fault injection for `baskets serve --faults`: given rates of 5xx answers, 429s with
 * Retry-After, connections reset mid-stream, malformed JSON bodies and stalls, each inference
 * request draws one seeded number and gets at most one fault. The draws follow request order,
 * so the same seed and the same request sequence replay the same faults.
 */

export type FaultKind = '5xx' | '429' | 'reset' | 'malformed' | 'stall';
export const FAULT_KINDS: readonly FaultKind[] = ['5xx', '429', 'reset', 'malformed', 'stall'];

export interface FaultSpec {
  rates: Record<FaultKind, number>;
  /** How long a stalled request waits before it is answered. */
  stallMs: number;
  /** The Retry-After header (seconds) of injected 429s. */
  retryAfterS: number;
  seed: number;
}

const SPEC_HINT = 'expected e.g. "5xx=0.05,429=0.05,reset=0.03,malformed=0.02,stall=0.01,stall-ms=20000,retry-after=1,seed=7"';

/** The spec of `--faults`; a bad one is a ConfigError saying what to write instead. */
export function parseFaults(spec: string): FaultSpec {
  const out: FaultSpec = { rates: { '5xx': 0, '429': 0, reset: 0, malformed: 0, stall: 0 }, stallMs: 20_000, retryAfterS: 1, seed: 0 };
  const seen = new Set<string>();
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([a-z0-9-]+)=(.+)$/i.exec(part);
    if (!match) throw new ConfigError(`bad fault spec entry "${part}": ${SPEC_HINT}`);
    const [, key, raw] = match;
    if (seen.has(key)) throw new ConfigError(`fault spec names "${key}" twice: ${SPEC_HINT}`);
    seen.add(key);
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new ConfigError(`fault spec "${key}" needs a non-negative number, got "${raw}"`);
    if ((FAULT_KINDS as readonly string[]).includes(key)) {
      if (value > 1) throw new ConfigError(`fault rate "${key}" must be between 0 and 1, got ${raw}`);
      out.rates[key as FaultKind] = value;
    } else if (key === 'stall-ms') out.stallMs = value;
    else if (key === 'retry-after') out.retryAfterS = value;
    else if (key === 'seed') {
      if (!Number.isInteger(value)) throw new ConfigError(`fault spec "seed" must be an integer, got "${raw}"`);
      out.seed = value;
    } else throw new ConfigError(`unknown fault "${key}" (known: ${[...FAULT_KINDS, 'stall-ms', 'retry-after', 'seed'].join(', ')})`);
  }
  const total = FAULT_KINDS.reduce((sum, kind) => sum + out.rates[kind], 0);
  if (total > 1 + 1e-9) throw new ConfigError(`fault rates add up to ${total.toFixed(3)}, more than 1: lower them`);
  return out;
}

/** Draws the fault (or none) of each successive request from one seeded stream. */
export class FaultInjector {
  private readonly rand: () => number;

  constructor(readonly spec: FaultSpec) {
    this.rand = mulberry32(spec.seed);
  }

  next(): FaultKind | null {
    const u = this.rand();
    let edge = 0;
    for (const kind of FAULT_KINDS) {
      edge += this.spec.rates[kind];
      if (u < edge) return kind;
    }
    return null;
  }

  /** Which 5xx status an injected server error uses; varied so clients see each kind. */
  serverErrorStatus(): number {
    return [500, 502, 503][Math.floor(this.rand() * 3)];
  }
}
