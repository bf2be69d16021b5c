/**
 * The one pattern every metric uses for values that can be undefined (DESIGN.md §6): a metric
 * returns `{ value, reason: null }` when defined and `{ value: null, reason }` when not —
 * never 0 — so a report can show *why* a number is missing.
 */
export type MetricValue<T = number> = { value: T; reason: null } | { value: null; reason: string };

export function defined<T>(value: T): MetricValue<T> {
  return { value, reason: null };
}

export function undefinedBecause<T = number>(reason: string): MetricValue<T> {
  return { value: null, reason };
}
