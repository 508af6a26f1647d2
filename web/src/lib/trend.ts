/** The buckets of the reports' trend chart: UTC days for 7/30/90 days, UTC months (last 12) for all time. */
export interface TrendBucket {
  /** YYYY-MM-DD of the bucket's first day. */
  key: string;
  from: string;
  to: string;
}

export type TrendUnit = "day" | "month";

const DAY_MS = 86_400_000;
const RANGE_DAYS: Record<string, number> = { LAST_7_DAYS: 7, LAST_30_DAYS: 30, LAST_90_DAYS: 90 };

export function trendUnit(range: string): TrendUnit {
  return range in RANGE_DAYS ? "day" : "month";
}

/**
 * Whole UTC days ending with today (so today's answers show), or the last 12 whole UTC months
 * ending with this one. Each bucket is `[from, to)`.
 */
export function trendBuckets(range: string, now: Date): TrendBucket[] {
  const days = RANGE_DAYS[range];
  const buckets: TrendBucket[] = [];
  if (days) {
    const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
    for (let i = days - 1; i >= 0; i--) {
      const from = new Date(today - i * DAY_MS);
      const to = new Date(from.getTime() + DAY_MS);
      buckets.push({ key: from.toISOString().slice(0, 10), from: from.toISOString(), to: to.toISOString() });
    }
    return buckets;
  }
  for (let i = 11; i >= 0; i--) {
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i + 1, 1));
    buckets.push({ key: from.toISOString().slice(0, 10), from: from.toISOString(), to: to.toISOString() });
  }
  return buckets;
}

/** Splits `items` into runs of at most `size` (the API allows 15 aliases per operation). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
