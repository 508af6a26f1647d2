import { badInput } from "../../errors.js";

export const CSAT_RANGES = ["LAST_7_DAYS", "LAST_30_DAYS", "LAST_90_DAYS", "ALL_TIME", "CUSTOM"] as const;
export type CsatRange = (typeof CSAT_RANGES)[number];

const RANGE_DAYS: Record<Exclude<CsatRange, "CUSTOM">, number | null> = {
  LAST_7_DAYS: 7,
  LAST_30_DAYS: 30,
  LAST_90_DAYS: 90,
  ALL_TIME: null,
};

export const DAY_MS = 86_400_000;
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(10_000, 0, 1);

/** Surveys dispatched at or after `from` and before `to` count; a null end is open. */
export interface CsatWindow {
  from: Date | null;
  to: Date | null;
}

/**
 * The report's windows, by dispatch time. A preset is the last N×24 hours up to now, exact to the
 * millisecond: surveys dispatched at or after `now − N days`. CUSTOM is `[from, to)`. The previous
 * period is the window of the same length that ends where this one starts.
 */
export function csatWindows(
  range: CsatRange,
  now: Date,
  custom: { from?: Date | null; to?: Date | null } = {},
): { current: CsatWindow; previous: CsatWindow | null } {
  const from = custom.from ?? null;
  const to = custom.to ?? null;
  if (range !== "CUSTOM") {
    if (from || to) throw badInput("from and to go with range: CUSTOM");
    const days = RANGE_DAYS[range];
    if (days === null) return { current: { from: null, to: null }, previous: null };
    const start = new Date(now.getTime() - days * DAY_MS);
    return { current: { from: start, to: null }, previous: { from: new Date(start.getTime() - days * DAY_MS), to: start } };
  }
  if (!from || !to) throw badInput("range: CUSTOM needs both from and to");
  if (from.getTime() >= to.getTime()) throw badInput("from must be before to");
  if (from.getTime() < EARLIEST || to.getTime() > LATEST) throw badInput("from and to must lie between the years 1970 and 9999");
  const length = to.getTime() - from.getTime();
  return { current: { from, to }, previous: { from: new Date(from.getTime() - length), to: from } };
}

function parseInstant(name: string, value: string | null | undefined): Date | null {
  if (value === undefined || value === null || value === "") return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw badInput(`${name} must be an ISO 8601 date and time`);
  return date;
}

/** A range's custom ends as text (MCP, the CSV export's query string), checked. */
export function parseCsatWindow(input: { from?: string | null; to?: string | null }): { from: Date | null; to: Date | null } {
  return { from: parseInstant("from", input.from), to: parseInstant("to", input.to) };
}

export function parseCsatRange(value: string | null | undefined): CsatRange {
  const range = CSAT_RANGES.find((r) => r === value);
  if (!range) throw badInput(`range must be one of ${CSAT_RANGES.join(", ")}`);
  return range;
}

export type CsatGrain = "MONTH" | "DAY" | "HOUR";

/** The first instant of `t`'s UTC hour, day or month; `up` rounds up instead (an aligned `t` stays). */
export function align(t: Date, grain: CsatGrain, up: boolean): Date {
  const d = new Date(t.getTime());
  if (grain === "HOUR") d.setUTCMinutes(0, 0, 0);
  else d.setUTCHours(0, 0, 0, 0);
  if (grain === "MONTH") d.setUTCDate(1);
  if (!up || d.getTime() === t.getTime()) return d;
  if (grain === "HOUR") d.setUTCHours(d.getUTCHours() + 1);
  else if (grain === "DAY") d.setUTCDate(d.getUTCDate() + 1);
  else d.setUTCMonth(d.getUTCMonth() + 1);
  return d;
}

export interface CsatWindowPiece extends CsatWindow {
  /** Read from the tallies of this grain, or counted from csat_survey itself ("EXACT"). */
  grain: CsatGrain | "EXACT";
}

const FINER: Record<CsatGrain, CsatGrain | "EXACT"> = { MONTH: "DAY", DAY: "HOUR", HOUR: "EXACT" };

/**
 * Covers a window with the largest tally buckets that fit inside it: whole UTC months, then whole
 * days and whole hours at its ends, and the partial hours at its very ends counted exactly from
 * csat_survey. A window so reads at most its months, 2 × 30 days, 2 × 23 hours and 2 partial hours,
 * however long it is, and stays exact to the millisecond.
 */
export function coverWindow({ from, to }: CsatWindow, grain: CsatGrain | "EXACT" = "MONTH"): CsatWindowPiece[] {
  if (from && to && from.getTime() >= to.getTime()) return [];
  if (grain === "EXACT") return [{ grain, from, to }];
  const start = from && align(from, grain, true);
  const end = to && align(to, grain, false);
  if (start && end && start.getTime() >= end.getTime()) return coverWindow({ from, to }, FINER[grain]);
  return [
    ...(from && start!.getTime() > from.getTime() ? coverWindow({ from, to: start }, FINER[grain]) : []),
    { grain, from: start, to: end },
    ...(to && end!.getTime() < to.getTime() ? coverWindow({ from: end, to }, FINER[grain]) : []),
  ];
}
