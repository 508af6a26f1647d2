/**
 * The pub/sub's feeds (api/src/topicFeed.ts) over a real EventTarget: events in order per
 * subscriber, a channel per topic and id, listening from the first read to the end, every waiting
 * read answered when the feed ends, and a reader that stops reading holding a bounded number.
 */
import { describe, expect, it } from "vitest";
import { createTopicPubSub, FEED_MAX_WAITING, type TopicTarget } from "../src/topicFeed.js";

type Topics = {
  room: [roomId: string, event: { n: number }];
  everyone: [event: { n: number }];
};

/** An EventTarget that counts its listeners per channel. */
function countingTarget() {
  const target = new EventTarget();
  const listeners = new Map<string, number>();
  const counted: TopicTarget = {
    addEventListener(channel, listener) {
      listeners.set(channel, (listeners.get(channel) ?? 0) + 1);
      target.addEventListener(channel, listener);
    },
    removeEventListener(channel, listener) {
      listeners.set(channel, (listeners.get(channel) ?? 0) - 1);
      target.removeEventListener(channel, listener);
    },
    dispatchEvent: (event) => target.dispatchEvent(event),
  };
  return { target: counted, listening: (channel: string) => listeners.get(channel) ?? 0 };
}

describe("topic feeds", () => {
  it("deliver each subscriber its channel's events in order, from its first read until it ends", async () => {
    const { target, listening } = countingTarget();
    const pubsub = createTopicPubSub<Topics>(target);
    const a = pubsub.subscribe("room", "a");
    const all = pubsub.subscribe("everyone");
    // Not listening before the first read, as Yoga's Repeater did.
    expect(listening("room:a")).toBe(0);
    const first = a.next();
    const everyone = all.next();
    expect(listening("room:a")).toBe(1);
    pubsub.publish("room", "b", { n: 0 }); // another room's: never heard by a
    pubsub.publish("room", "a", { n: 1 });
    pubsub.publish("room", "a", { n: 2 });
    pubsub.publish("everyone", { n: 9 });
    expect(await first).toEqual({ done: false, value: { n: 1 } });
    expect(await a.next()).toEqual({ done: false, value: { n: 2 } });
    expect(await everyone).toEqual({ done: false, value: { n: 9 } });

    // Ending answers the read that waits, stops listening, and every later read is done.
    const waiting = a.next();
    expect(await a.return()).toEqual({ done: true, value: undefined });
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(listening("room:a")).toBe(0);
    pubsub.publish("room", "a", { n: 3 });
    expect(await a.next()).toEqual({ done: true, value: undefined });

    // throw() ends it too, and rejects with the error given.
    await expect(all.throw(new Error("stop"))).rejects.toThrow("stop");
    expect(listening("everyone")).toBe(0);
    expect(await all.next()).toEqual({ done: true, value: undefined });
  });

  it("work with for await, and keep at most FEED_MAX_WAITING events for a reader that stopped reading", async () => {
    const { target } = countingTarget();
    const pubsub = createTopicPubSub<Topics>(target);
    const feed = pubsub.subscribe("room", "x");
    const firstRead = feed.next();
    for (let n = 1; n <= FEED_MAX_WAITING + 10; n++) pubsub.publish("room", "x", { n });
    expect((await firstRead).value).toEqual({ n: 1 });
    // The oldest of the rest were dropped: the reader gets the newest FEED_MAX_WAITING, in order.
    const seen: number[] = [];
    for await (const event of feed) {
      seen.push(event.n);
      if (seen.length === FEED_MAX_WAITING) break;
    }
    expect(seen[0]).toBe(11);
    expect(seen.at(-1)).toBe(FEED_MAX_WAITING + 10);
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    // Leaving the loop returned the feed.
    expect(await feed.next()).toEqual({ done: true, value: undefined });
  });
});
