import { describe, expect, it } from "vitest";
import { responsesHref } from "../src/lib/responsesHref.js";
import { bucketLabel, bucketName, combine, trendBuckets, trendPlan, type TrendBucket } from "../src/lib/trend.js";

const DAY = 86_400_000;
/** `n` UTC days ending with 2026-03-31, each with `sent` surveys and `submitted` answers averaging `avg`. */
function days(n: number, fill: (i: number) => Partial<TrendBucket> = () => ({})): TrendBucket[] {
  const end = Date.UTC(2026, 2, 31);
  return Array.from({ length: n }, (_, i) => {
    const from = end - (n - 1 - i) * DAY;
    return { from: new Date(from).toISOString(), to: new Date(from + DAY).toISOString(), sent: 0, submitted: 0, averageRating: null, ...fill(i) };
  });
}

describe("the reports' trend", () => {
  it("draws 90 days as 13 weeks, the last ending today, with answer-weighted averages", () => {
    const plan = trendPlan("LAST_90_DAYS");
    expect(plan.unit).toBe("week");
    const points = days(91, (i) => (i === 0 ? { sent: 2, submitted: 1, averageRating: 5 } : i === 6 ? { sent: 4, submitted: 3, averageRating: 1 } : {}));
    const weeks = trendBuckets(plan, points);
    expect(weeks).toHaveLength(13);
    expect(weeks[0]).toEqual({ from: points[0]!.from, to: points[6]!.to, sent: 6, submitted: 4, averageRating: 2 });
    expect(weeks[12]!.to).toBe("2026-04-01T00:00:00.000Z");
    expect(bucketName(weeks[12]!.from, "week")).toBe("Week of Mar 25");
  });

  it("labels months like “Jan 2026” and starts all time at the first month with surveys (at least 12 shown)", () => {
    expect(bucketLabel("2026-01-01T00:00:00.000Z", "month")).toBe("Jan 2026");
    const months = Array.from({ length: 120 }, (_, i) => {
      const from = new Date(Date.UTC(2016, 4 + i, 1)).toISOString();
      const to = new Date(Date.UTC(2016, 5 + i, 1)).toISOString();
      return { from, to, sent: i === 90 ? 3 : 0, submitted: 0, averageRating: null };
    });
    const plan = trendPlan("ALL_TIME");
    expect(trendBuckets(plan, months).map((m) => m.from)[0]).toBe(months[90]!.from);
    months[90]!.sent = 0;
    expect(trendBuckets(plan, months)).toHaveLength(12);
  });

  it("plans a custom range by days, weeks or months and clips it to the window", () => {
    const now = new Date("2026-03-31T12:00:00Z");
    const short = trendPlan("CUSTOM", { from: "2026-03-10T00:00:00.000Z", to: "2026-03-20T00:00:00.000Z" }, now);
    expect(short).toMatchObject({ unit: "day", request: { unit: "DAY", count: 22 } });
    expect(trendBuckets(short, days(22)).map((d) => d.from.slice(0, 10))).toEqual(
      Array.from({ length: 10 }, (_, i) => `2026-03-${String(10 + i).padStart(2, "0")}`),
    );
    expect(trendPlan("CUSTOM", { from: "2026-01-01T00:00:00.000Z", to: "2026-03-01T00:00:00.000Z" }, now).unit).toBe("week");
    expect(trendPlan("CUSTOM", { from: "2024-01-01T00:00:00.000Z", to: "2025-01-01T00:00:00.000Z" }, now)).toMatchObject({
      unit: "month",
      request: { unit: "MONTH", count: 27 },
    });
  });

  it("combines nothing answered into no average", () => {
    expect(combine(days(3)).averageRating).toBeNull();
  });
});

describe("responsesHref", () => {
  it("builds the Responses page's URL in one order, with none for the unattributed row", () => {
    expect(responsesHref()).toBe("/responses");
    expect(responsesHref({ range: "LAST_30_DAYS", botId: null })).toBe("/responses?range=LAST_30_DAYS&botId=none");
    expect(responsesHref({ range: "LAST_7_DAYS", channelId: "c1", scores: [2, 1], hasComment: true })).toBe(
      "/responses?range=LAST_7_DAYS&channelId=c1&scores=1,2&hasComment=1",
    );
    expect(responsesHref({ range: "CUSTOM", from: "2026-01-01T00:00:00.000Z", to: "2026-02-01T00:00:00.000Z", q: "ann@example.com" })).toBe(
      "/responses?range=CUSTOM&from=2026-01-01T00%3A00%3A00.000Z&to=2026-02-01T00%3A00%3A00.000Z&q=ann%40example.com",
    );
    // A preset range carries no from/to.
    expect(responsesHref({ range: "LAST_7_DAYS", from: "x", to: "y" })).toBe("/responses?range=LAST_7_DAYS");
  });
});
