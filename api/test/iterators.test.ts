import { describe, expect, it } from "vitest";
import { mergeIterators } from "../src/iterators.js";

/** An iterator fed by hand, that records whether it was ended. */
function source<T>() {
  const queue: T[] = [];
  let waiting: ((r: IteratorResult<T>) => void) | null = null;
  const state = { returned: false };
  const iterator: AsyncIterator<T> = {
    next: () => (queue.length ? Promise.resolve({ done: false, value: queue.shift()! }) : new Promise((r) => (waiting = r))),
    return: async () => {
      state.returned = true;
      waiting?.({ done: true, value: undefined });
      return { done: true, value: undefined };
    },
  };
  const push = (value: T) => (waiting ? (waiting({ done: false, value }), (waiting = null)) : queue.push(value));
  const end = () => waiting?.({ done: true, value: undefined });
  return { iterator, push, end, state };
}

describe("mergeIterators", () => {
  it("yields each source's values as they come, and is done when every source is", async () => {
    const a = source<string>();
    const b = source<string>();
    const merged = mergeIterators([a.iterator, b.iterator]);
    a.push("a1");
    expect(await merged.next()).toEqual({ done: false, value: "a1" });
    const next = merged.next();
    b.push("b1");
    expect(await next).toEqual({ done: false, value: "b1" });
    a.end();
    b.push("b2");
    expect(await merged.next()).toEqual({ done: false, value: "b2" });
    const last = merged.next();
    b.end();
    expect(await last).toEqual({ done: true, value: undefined });
  });

  it("ends every source at once when returned, even before anything was read, and a pending next() ends too", async () => {
    const a = source<number>();
    const b = source<number>();
    await mergeIterators([a.iterator, b.iterator]).return!();
    expect([a.state.returned, b.state.returned]).toEqual([true, true]);

    const c = source<number>();
    const merged = mergeIterators([c.iterator]);
    const pending = merged.next();
    await merged.return!();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(c.state.returned).toBe(true);
  });
});
