/**
 * Which slice of a list to draw so the selected item stays visible in `height` rows: layouts
 * that fit the viewport never make Ink scroll and redraw the whole screen.
 */
export function windowAround(count: number, selected: number, height: number): { start: number; end: number } {
  const size = Math.max(1, height);
  if (count <= size) return { start: 0, end: count };
  const start = Math.max(0, Math.min(selected - Math.floor(size / 2), count - size));
  return { start, end: start + size };
}
