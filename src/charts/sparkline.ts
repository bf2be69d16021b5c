/**
 * One-line sparklines for rates such as tokens per second: the latest `width` points, one
 * cell each, right-aligned so the newest value is always at the right edge.
 */
import { paint, type Tone } from './palette.js';

export interface SparklineOptions {
  width: number;
  color?: boolean;
  ascii?: boolean;
  /** Fix the range (e.g. 0 for a rate); values outside are clamped. Defaults to the visible data. */
  min?: number;
  max?: number;
  tone?: Tone;
}

const RAMPS = { unicode: '▁▂▃▄▅▆▇█', ascii: '_.-~=+*#' };

export function sparkline(values: readonly (number | null)[], options: SparklineOptions): string {
  const width = Math.max(0, Math.floor(options.width));
  const ramp = Array.from(options.ascii ? RAMPS.ascii : RAMPS.unicode);
  const visible = values.slice(Math.max(0, values.length - width));
  const finite = visible.filter((v): v is number => v !== null && Number.isFinite(v));
  const min = options.min ?? Math.min(...finite);
  const max = options.max ?? Math.max(...finite);
  const top = ramp.length - 1;
  const glyph = (v: number | null): string => {
    if (v === null || !Number.isFinite(v)) return ' ';
    // A flat line sits mid-height: "steady", not "at the floor".
    if (!(max > min)) return ramp[Math.floor(top / 2)];
    const level = Math.round(((Math.min(max, Math.max(min, v)) - min) / (max - min)) * top);
    return ramp[level];
  };
  const line = visible.map(glyph).join('');
  return ' '.repeat(width - visible.length) + paint(line, options.tone ?? 0, options.color ?? false);
}
