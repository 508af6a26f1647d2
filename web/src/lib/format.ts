/** Numbers and times as the reports and the inbox show them. Pure, so the tests can use them. */

export const UNATTRIBUTED = "— Unattributed —";

/** 4.25 → "4.3"; null (nothing submitted) → "—". */
export function formatRating(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value.toFixed(1);
}

/** 0.5 → "50%", 0.333 → "33%"; null → "—". */
export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${Math.round(value * 100)}%`;
}

export function formatCount(value: number): string {
  return value.toLocaleString("en-US");
}

export interface Change {
  text: string;
  direction: "up" | "down" | "flat";
}

/**
 * The change from the previous period: points for rates, a decimal for ratings, a count otherwise.
 * Null when either side is missing.
 */
export function describeChange(
  current: number | null | undefined,
  previous: number | null | undefined,
  kind: "rating" | "percent" | "count",
): Change | null {
  if (current === null || current === undefined || previous === null || previous === undefined) return null;
  const delta = current - previous;
  const size =
    kind === "percent" ? Math.round(Math.abs(delta) * 100) : kind === "rating" ? Number(Math.abs(delta).toFixed(1)) : Math.abs(delta);
  if (size === 0) return { text: "No change", direction: "flat" };
  const sign = delta > 0 ? "+" : "−";
  const amount = kind === "percent" ? `${size} pts` : kind === "rating" ? size.toFixed(1) : formatCount(size);
  return { text: `${sign}${amount}`, direction: delta > 0 ? "up" : "down" };
}
