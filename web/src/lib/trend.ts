/** The reports' trend chart: UTC days for 7/30/90 days, UTC months (the last 12) for all time. */
export type TrendUnit = "day" | "month";

const RANGE_DAYS: Record<string, number> = { LAST_7_DAYS: 7, LAST_30_DAYS: 30, LAST_90_DAYS: 90 };

export function trendUnit(range: string): TrendUnit {
  return range in RANGE_DAYS ? "day" : "month";
}

/** What `csatTrend` is asked for a range: whole UTC days ending with today, or the last 12 months. */
export function trendRequest(range: string): { unit: "DAY" | "MONTH"; count: number } {
  const days = RANGE_DAYS[range];
  return days ? { unit: "DAY", count: days } : { unit: "MONTH", count: 12 };
}
