import { describe, expect, it } from "vitest";
import { EMPTY_FILTER, parseResponsesFilter, responsesUrl, toResponseFilter } from "../src/lib/responsesFilter.js";

describe("the Responses page's address", () => {
  it("round-trips every filter, none for unattributed included", () => {
    const url = "/responses?range=CUSTOM&from=2026-11-01&to=2026-12-01&botId=none&channelId=c1&teammateId=none&scores=1%2C2&hasComment=1&reason=Too+slow&q=refund+late";
    const filter = parseResponsesFilter(url.slice("/responses".length));
    expect(filter).toEqual({
      range: "CUSTOM", from: "2026-11-01", to: "2026-12-01", botId: "none", channelId: "c1", teammateId: "none",
      scores: [1, 2], hasComment: "1", reason: "Too slow", q: "refund late",
    });
    expect(responsesUrl(filter)).toBe(url);
    expect(toResponseFilter(filter)).toEqual({
      range: "CUSTOM", from: "2026-11-01T00:00:00.000Z", to: "2026-12-01T00:00:00.000Z", botId: "none", channelId: "c1", teammateId: "none",
      scores: [1, 2], hasComment: true, reason: "Too slow", search: "refund late",
    });
  });

  it("drops what it cannot use, and leaves defaults out of the address", () => {
    const filter = parseResponsesFilter("?range=YESTERDAY&scores=0,3,9,3,x&hasComment=maybe&from=2026-01-01");
    expect(filter).toEqual({ ...EMPTY_FILTER, scores: [3] });
    expect(responsesUrl(EMPTY_FILTER)).toBe("/responses");
    expect(toResponseFilter(EMPTY_FILTER)).toEqual({ range: "ALL_TIME" });
    // A custom range without both ends asks for all time.
    expect(toResponseFilter({ ...EMPTY_FILTER, range: "CUSTOM", from: "2026-01-01" })).toEqual({ range: "ALL_TIME" });
    expect(toResponseFilter({ ...EMPTY_FILTER, hasComment: "0", q: "   " })).toEqual({ range: "ALL_TIME", hasComment: false });
  });
});
