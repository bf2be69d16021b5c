/** "just now", "5m ago", "3h ago", "2d ago": last activity at a glance. */
export function ago(t: number | null, now: number): string {
  if (t === null) return 'never';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 10) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** Compact number: 950, 12.3k, 4.5M. */
export function compact(n: number): string {
  if (Math.abs(n) < 1000) return String(Math.round(n * 10) / 10);
  if (Math.abs(n) < 1e6) return `${(n / 1e3).toFixed(1)}k`;
  return `${(n / 1e6).toFixed(1)}M`;
}
