import { describe, expect, it } from "vitest";
import { retryDelay } from "../src/widget/retry.js";
import { readSession, sessionKey, writeSession, type StoredSession } from "../src/widget/store.js";

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

const session: StoredSession = {
  conversationId: "c1",
  visitorToken: "hcv_secret",
  prompt: { surveyId: "s1", token: "0123456789abcdef0123456789abcdef", expiresAt: "2026-12-01T00:00:00.000Z" },
  answer: null,
};

describe("the widget's stored session", () => {
  it("round-trips per channel and is forgotten on request", () => {
    const storage = memoryStorage();
    writeSession(storage, "ch1", session);
    expect(readSession(storage, "ch1")).toEqual(session);
    expect(readSession(storage, "ch2")).toBeNull();
    writeSession(storage, "ch1", { ...session, prompt: null, answer: { score: 4, comment: "ok" } });
    expect(readSession(storage, "ch1")?.answer).toEqual({ score: 4, comment: "ok" });
    writeSession(storage, "ch1", null);
    expect(storage.items.size).toBe(0);
  });

  it("ignores what it cannot trust: bad JSON, missing fields, scores out of range", () => {
    const storage = memoryStorage();
    storage.setItem(sessionKey("ch"), "{not json");
    expect(readSession(storage, "ch")).toBeNull();
    storage.setItem(sessionKey("ch"), JSON.stringify({ conversationId: "c1" }));
    expect(readSession(storage, "ch")).toBeNull();
    storage.setItem(sessionKey("ch"), JSON.stringify({ ...session, prompt: { token: 5 }, answer: { score: 9 } }));
    expect(readSession(storage, "ch")).toEqual({ ...session, prompt: null, answer: null });
  });

  it("survives storage that throws (sandboxed frames, private mode)", () => {
    const broken = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("quota");
      },
      removeItem: () => {
        throw new Error("denied");
      },
    };
    expect(readSession(broken, "ch")).toBeNull();
    expect(() => writeSession(broken, "ch", session)).not.toThrow();
    expect(readSession(null, "ch")).toBeNull();
  });
});

describe("reconnect waits", () => {
  it("double from one second up to fifteen, plus under half a second of jitter", () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => retryDelay(n, () => 0))).toEqual([1000, 2000, 4000, 8000, 15000, 15000]);
    expect(retryDelay(0, () => 0.999)).toBe(1499);
  });
});
