/**
 * Continuous scales: a value range, linear or logarithmic, mapped onto a run of terminal
 * cells, and the tick values worth labelling on it.
 */

export interface Scale {
  min: number;
  max: number;
  log: boolean;
}

/** A scale spanning the finite values (positive ones on a log scale); null when there are none. */
export function scaleOf(values: Iterable<number>, log: boolean): Scale | null {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) return null;
  if (min === max) {
    // A flat series still needs a range to be drawn in: widen around it.
    if (log) return { min: min / Math.SQRT2, max: max * Math.SQRT2, log };
    const half = min === 0 ? 1 : Math.abs(min) * 0.1;
    return { min: min - half, max: max + half, log };
  }
  return { min, max, log };
}

/** True when the value can be placed on the scale at all (log scales exclude v ≤ 0). */
export function onScale(scale: Scale, v: number): boolean {
  return Number.isFinite(v) && (!scale.log || v > 0);
}

/** Position of a value on the scale, 0 at min and 1 at max (not clamped). */
export function unit(scale: Scale, v: number): number {
  if (scale.log) return (Math.log10(v) - Math.log10(scale.min)) / (Math.log10(scale.max) - Math.log10(scale.min));
  return (v - scale.min) / (scale.max - scale.min);
}

/** The cell (0 … cells−1) whose centre is nearest the value, clamped to the run. */
export function cellOf(scale: Scale, v: number, cells: number): number {
  const c = Math.round(unit(scale, v) * (cells - 1));
  return Math.min(cells - 1, Math.max(0, c));
}

/**
 * At most `maxCount` tick values inside the scale: powers of ten on a log scale spanning a
 * decade or more, otherwise round steps of 1, 2 or 5 × 10^k.
 */
export function ticks(scale: Scale, maxCount: number): number[] {
  if (maxCount < 1) return [];
  if (scale.log) {
    const first = Math.ceil(Math.log10(scale.min) - 1e-9);
    const last = Math.floor(Math.log10(scale.max) + 1e-9);
    if (last > first) {
      const stride = Math.ceil((last - first + 1) / maxCount);
      const out: number[] = [];
      for (let e = first; e <= last; e += stride) out.push(10 ** e);
      return out;
    }
  }
  return roundTicks(scale.min, scale.max, maxCount);
}

function roundTicks(min: number, max: number, maxCount: number): number[] {
  if (maxCount === 1) return [min];
  const power = 10 ** Math.floor(Math.log10((max - min) / maxCount));
  // The finest 1-2-5 step whose multiples inside the range are few enough.
  const steps = [1, 2, 5, 10, 20, 50].map((m) => m * power);
  const step = steps.find((s) => multiplesWithin(min, max, s).length <= maxCount) ?? steps[steps.length - 1];
  const out = multiplesWithin(min, max, step);
  return out.length >= 2 ? out : [min, max];
}

function multiplesWithin(min: number, max: number, step: number): number[] {
  const out: number[] = [];
  for (let i = Math.ceil(min / step - 1e-9); i * step <= max + step * 1e-9; i++) {
    // Multiply rather than accumulate so 0.1 + 0.2 noise never reaches a label.
    out.push(Number((i * step).toPrecision(12)));
  }
  return out;
}
