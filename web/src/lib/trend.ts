/**
 * The reports' trend: which `csatTrend` buckets a range asks for and how they are drawn — UTC days
 * for 7 and 30 days, weeks (7 UTC days, the last ending today) for 90 days, UTC months for all time
 * (from the first month with surveys, at least 12), and for a custom range whatever keeps it to a
 * readable number of bars.
 */
export type TrendUnit = "day" | "week" | "month";

export interface TrendPlan {
  unit: TrendUnit;
  /** What `csatTrend` is asked for: the last `count` UTC days or months, the current one included. */
  request: { unit: "DAY" | "MONTH"; count: number };
  /** Buckets outside [from, to) are left out (custom ranges); null: no bound. */
  from: string | null;
  to: string | null;
}

/** One bucket as `csatTrend` returns it, or several of them added up. */
export interface TrendBucket {
  /** The bucket's first instant and the instant after it (ISO). */
  from: string;
  to: string;
  sent: number;
  submitted: number;
  averageRating: number | null;
}

const DAY_MS = 86_400_000;
const MAX_DAYS = 366;
const MAX_MONTHS = 120;
const PRESET_DAYS: Record<string, { days: number; unit: TrendUnit }> = {
  LAST_7_DAYS: { days: 7, unit: "day" },
  LAST_30_DAYS: { days: 30, unit: "day" },
  LAST_90_DAYS: { days: 91, unit: "week" },
};

const utcDay = (date: Date) => Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());

/** The plan for a range; a CUSTOM one needs `from` and `to` (ISO), else it is planned as all time. */
export function trendPlan(range: string, window: { from?: string | null; to?: string | null } = {}, now = new Date()): TrendPlan {
  const preset = PRESET_DAYS[range];
  if (preset) return { unit: preset.unit, request: { unit: "DAY", count: preset.days }, from: null, to: null };
  if (range === "CUSTOM" && window.from && window.to) {
    const from = new Date(window.from);
    const to = new Date(window.to);
    const spanDays = Math.ceil((to.getTime() - from.getTime()) / DAY_MS);
    const back = Math.floor((utcDay(now) - utcDay(from)) / DAY_MS) + 1;
    if (spanDays <= 92 && back <= MAX_DAYS) {
      return { unit: spanDays <= 31 ? "day" : "week", request: { unit: "DAY", count: Math.max(1, back) }, from: window.from, to: window.to };
    }
    const months = (now.getUTCFullYear() - from.getUTCFullYear()) * 12 + now.getUTCMonth() - from.getUTCMonth() + 1;
    return { unit: "month", request: { unit: "MONTH", count: Math.min(MAX_MONTHS, Math.max(1, months)) }, from: window.from, to: window.to };
  }
  return { unit: "month", request: { unit: "MONTH", count: MAX_MONTHS }, from: null, to: null };
}

/** Adds buckets up: counts add, the average is weighted by the answers behind each. */
export function combine(buckets: readonly TrendBucket[]): TrendBucket {
  let sent = 0;
  let submitted = 0;
  let scoreSum = 0;
  for (const b of buckets) {
    sent += b.sent;
    submitted += b.submitted;
    if (b.averageRating !== null) scoreSum += b.averageRating * b.submitted;
  }
  return {
    from: buckets[0]!.from,
    to: buckets[buckets.length - 1]!.to,
    sent,
    submitted,
    averageRating: submitted > 0 ? scoreSum / submitted : null,
  };
}

/**
 * The buckets to draw for a plan, from `csatTrend`'s answer (oldest first): clipped to a custom
 * window, grouped into weeks (7 days, counted back from the newest so the last week ends today),
 * and for all time starting at the first month with surveys (keeping at least the last 12).
 */
export function trendBuckets(plan: TrendPlan, points: readonly TrendBucket[]): TrendBucket[] {
  let list = points.filter((p) => (!plan.from || p.to > plan.from) && (!plan.to || p.from < plan.to));
  if (plan.unit === "week") {
    const weeks: TrendBucket[] = [];
    for (let end = list.length; end > 0; end -= 7) weeks.unshift(combine(list.slice(Math.max(0, end - 7), end)));
    return weeks;
  }
  if (plan.unit === "month" && !plan.from) {
    const first = list.findIndex((p) => p.sent > 0 || p.submitted > 0);
    list = list.slice(Math.max(0, Math.min(first === -1 ? list.length : first, list.length - 12)));
  }
  return list;
}

const dayFormat = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
const monthFormat = new Intl.DateTimeFormat("en-US", { month: "short", year: "numeric", timeZone: "UTC" });

/** "Jan 5" for a day or the week starting then, "Jan 2026" for a month. */
export function bucketLabel(from: string, unit: TrendUnit): string {
  return (unit === "month" ? monthFormat : dayFormat).format(new Date(from));
}

/** The bucket in words: "Jan 5", "Week of Jan 5", "Jan 2026". */
export function bucketName(from: string, unit: TrendUnit): string {
  return unit === "week" ? `Week of ${bucketLabel(from, unit)}` : bucketLabel(from, unit);
}

/** An average over fewer answers than this is drawn hollow, with its count. */
export const FEW_ANSWERS = 5;
