/** Small helpers for the reports' SVG charts. */

/**
 * A whole-number axis for counts: a round step (1, 2, 5, 10, 20, 50 …) giving at most `most`
 * intervals, and the ticks from 0 to the first multiple of it at or above `value`.
 * 1 → 0 1; 3 → 0 1 2 3; 7 → 0 2 4 6 8; 42 → 0 10 20 30 40 50.
 */
export function countAxis(value: number, most = 5): { max: number; ticks: number[] } {
  const top = Math.max(1, Math.ceil(value));
  let step = 1;
  for (let magnitude = 1; ; magnitude *= 10) {
    const found = [1, 2, 5].map((m) => m * magnitude).find((s) => Math.ceil(top / s) <= most);
    if (found) {
      step = found;
      break;
    }
  }
  const max = Math.ceil(top / step) * step;
  return { max, ticks: Array.from({ length: max / step + 1 }, (_, i) => i * step) };
}

/**
 * An SVG path through the points, lifting the pen over gaps (null values), so a day without
 * answers breaks the line rather than pretending to be zero.
 */
export function linePath(points: readonly ({ x: number; y: number } | null)[]): string {
  let path = "";
  let penDown = false;
  for (const point of points) {
    if (!point) {
      penDown = false;
      continue;
    }
    path += `${penDown ? "L" : "M"}${point.x.toFixed(1)},${point.y.toFixed(1)}`;
    penDown = true;
  }
  return path;
}
