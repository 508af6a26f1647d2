import { describe, expect, it } from "vitest";
import { nextWalk, rememberedRare, rememberRare, SEARCH_WALK_CANDIDATES, SEARCH_WALK_MOST } from "../src/db/searchWalk.js";

describe("how far a search walks", () => {
  it("walks again as far as the word's share says, twice over, within the most; not at all for a word not found", () => {
    // 10 of 51 found among 300: one row in 30, so 51 need ~1,530 rows; twice that.
    expect(nextWalk(SEARCH_WALK_CANDIDATES, 10, 51)).toBe(3060);
    expect(nextWalk(SEARCH_WALK_CANDIDATES, 1, 51)).toBe(SEARCH_WALK_MOST);
    expect(nextWalk(SEARCH_WALK_CANDIDATES, 0, 51)).toBe(0);
    expect(nextWalk(SEARCH_WALK_MOST, 40, 51)).toBe(0);
  });

  it("remembers a rare search for ten minutes, and at most 2,000 of them (the oldest go first)", () => {
    const t0 = 1_000_000;
    rememberRare("test|a", t0);
    expect(rememberedRare("test|a", t0 + 9 * 60_000)).toBe(true);
    expect(rememberedRare("test|a", t0 + 11 * 60_000)).toBe(false);
    expect(rememberedRare("test|a", t0)).toBe(false); // forgotten once expired
    for (let i = 0; i < 2001; i++) rememberRare(`test|n${i}`, t0);
    expect(rememberedRare("test|n0", t0)).toBe(false);
    expect(rememberedRare("test|n1", t0)).toBe(true);
    expect(rememberedRare("test|n2000", t0)).toBe(true);
  });
});
