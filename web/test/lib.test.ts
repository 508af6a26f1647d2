import { describe, expect, it } from "vitest";
import { diffAudit } from "../src/lib/auditDiff.js";
import { countAxis, linePath } from "../src/lib/chart.js";
import { MAX_DELAY_MINUTES, describeDelay, isPreset, parseCustomDelay } from "../src/lib/delay.js";
import { describeChange, formatPercent, formatRating } from "../src/lib/format.js";
import { trendPlan } from "../src/lib/trend.js";

describe("the survey delay", () => {
  it("accepts whole minutes from 1 to 7 days and says why it refuses anything else", () => {
    expect(parseCustomDelay(" 90 ")).toEqual({ ok: true, minutes: 90 });
    expect(parseCustomDelay(String(MAX_DELAY_MINUTES))).toEqual({ ok: true, minutes: 10080 });
    expect(parseCustomDelay("")).toEqual({ ok: false, message: "Enter the delay in minutes." });
    expect(parseCustomDelay("1.5")).toEqual({ ok: false, message: "Enter a whole number of minutes, like 30." });
    expect(parseCustomDelay("abc")).toEqual({ ok: false, message: "Enter a whole number of minutes, like 30." });
    expect(parseCustomDelay("0")).toEqual({ ok: false, message: "Enter at least 1 minute, or choose Immediately." });
    expect(parseCustomDelay("-5")).toEqual({ ok: false, message: "Enter at least 1 minute, or choose Immediately." });
    expect(parseCustomDelay("10081")).toEqual({ ok: false, message: "The delay can be at most 10,080 minutes (7 days)." });
  });

  it("reads as people say it", () => {
    expect(describeDelay(0)).toBe("Immediately");
    expect(describeDelay(1)).toBe("1 minute");
    expect(describeDelay(60)).toBe("1 hour");
    expect(describeDelay(90)).toBe("1 hour 30 minutes");
    expect(describeDelay(1440)).toBe("24 hours");
    expect(describeDelay(10080)).toBe("7 days");
    expect([0, 60, 240, 1440].every(isPreset)).toBe(true);
    expect(isPreset(90)).toBe(false);
  });
});

describe("the audit log's diff", () => {
  it("lists every key with both sides and marks the changed ones", () => {
    const rows = diffAudit('{"enabled":false,"delayMinutes":0}', '{"enabled":true,"delayMinutes":60}', (key, value) =>
      key === "delayMinutes" ? describeDelay(value as number) : undefined,
    );
    expect(rows).toEqual([
      { key: "enabled", label: "Send surveys", before: "Off", after: "On", changed: true },
      { key: "delayMinutes", label: "Delay", before: "Immediately", after: "1 hour", changed: true },
    ]);
  });

  it("copes with keys on one side only and with text that is not JSON", () => {
    const rows = diffAudit('{"a":1}', '{"a":1,"b":"x"}');
    expect(rows.find((r) => r.key === "a")?.changed).toBe(false);
    expect(rows.find((r) => r.key === "b")).toMatchObject({ before: "—", after: "x", changed: true });
    expect(diffAudit("not json", "{}")[0]).toMatchObject({ key: "value", before: "not json", after: "—" });
  });
});

describe("report figures", () => {
  it("formats ratings and rates, with a dash for nothing", () => {
    expect(formatRating(4.25)).toBe("4.3");
    expect(formatRating(null)).toBe("—");
    expect(formatPercent(1 / 3)).toBe("33%");
    expect(formatPercent(null)).toBe("—");
  });

  it("describes the change from the previous period", () => {
    expect(describeChange(0.8, 0.5, "percent")).toEqual({ text: "+30 pts", direction: "up" });
    expect(describeChange(3.5, 4.25, "rating")).toEqual({ text: "−0.8", direction: "down" });
    expect(describeChange(12, 12, "count")).toEqual({ text: "No change", direction: "flat" });
    expect(describeChange(1200, 100, "count")).toEqual({ text: "+1,100", direction: "up" });
    expect(describeChange(4, null, "rating")).toBeNull();
  });
});

describe("charts", () => {
  it("gives count axes whole-number steps", () => {
    expect(countAxis(0)).toEqual({ max: 1, ticks: [0, 1] });
    expect(countAxis(3)).toEqual({ max: 3, ticks: [0, 1, 2, 3] });
    expect(countAxis(7)).toEqual({ max: 8, ticks: [0, 2, 4, 6, 8] });
    expect(countAxis(42)).toEqual({ max: 50, ticks: [0, 10, 20, 30, 40, 50] });
  });

  it("lifts the pen over days without answers", () => {
    expect(linePath([{ x: 0, y: 1 }, { x: 1, y: 2 }, null, { x: 3, y: 4 }])).toBe("M0.0,1.0L1.0,2.0M3.0,4.0");
    expect(linePath([null, null])).toBe("");
  });

  it("asks for the trend by UTC day (weeks for 90 days, see trend.test.ts), or by month for all time", () => {
    expect(trendPlan("LAST_7_DAYS").request).toEqual({ unit: "DAY", count: 7 });
    expect(trendPlan("LAST_30_DAYS").request).toEqual({ unit: "DAY", count: 30 });
    expect(trendPlan("LAST_90_DAYS").request).toEqual({ unit: "DAY", count: 91 });
    expect(trendPlan("ALL_TIME").request).toEqual({ unit: "MONTH", count: 120 });
    expect(trendPlan("LAST_30_DAYS").unit).toBe("day");
    expect(trendPlan("ALL_TIME").unit).toBe("month");
  });
});
