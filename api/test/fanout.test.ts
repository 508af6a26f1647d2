import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFanout, topicSerializer, type Fanout } from "../src/fanout.js";
import { createLogger } from "../src/log.js";
import { csatPromptsOf, publishConversationEvent, publishCsatPrompt, type CsatAnswered, type CsatPrompt, type VisitorEvent } from "../src/pubsub.js";
import { until } from "../testkit/client.js";
import { startRedis } from "../testkit/processes.js";

// The pub/sub as the services use it: typed topics, the widget's one feed and its presence,
// in one process and across two (each with its own Redis connections, as two servers have).

const log = createLogger({ quiet: true });

function answered(conversationId: string): CsatAnswered {
  return {
    surveyId: randomUUID(),
    conversationId,
    score: 4,
    // Looks like a date, is a comment: it must come back as the string it was.
    comment: "2026-01-02T03:04:05.000Z",
    answeredAt: new Date("2026-03-04T05:06:07.089Z"),
    answeredVia: "WIDGET",
    dispatchedAt: new Date("2026-03-01T00:00:00.000Z"),
    bot: { id: randomUUID(), workspaceId: randomUUID(), name: "Ava", createdAt: new Date("2025-12-31T23:59:59.999Z") },
    channel: null,
  };
}

function prompt(conversationId: string): CsatPrompt {
  return {
    surveyId: randomUUID(),
    conversationId,
    question: "How was your experience?",
    token: "t".repeat(32),
    expiresAt: new Date("2026-04-03T00:00:00.000Z"),
    locale: "en",
    thankYou: "Thank you for your feedback!",
    reasons: ["Too slow"],
    reasonsAtOrBelow: 3,
  };
}

/** Reads `count` values from an iterable, then ends it. */
async function take<T>(iterable: AsyncIterable<T>, count: number): Promise<T[]> {
  const values: T[] = [];
  const iterator = iterable[Symbol.asyncIterator]();
  while (values.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    values.push(next.value);
  }
  await iterator.return?.();
  return values;
}

describe("topicSerializer", () => {
  it("brings Dates back as Dates, at any depth, and leaves strings that look like dates alone", () => {
    const payload = { at: new Date("2026-01-01T00:00:00.000Z"), nested: { list: [new Date(0), "1970-01-01T00:00:00.000Z"] }, none: null };
    const back = topicSerializer.parse(topicSerializer.stringify(payload)) as typeof payload;
    expect(back.at).toBeInstanceOf(Date);
    expect(back.at.getTime()).toBe(payload.at.getTime());
    expect(back.nested.list[0]).toBeInstanceOf(Date);
    expect((back.nested.list[0] as Date).getTime()).toBe(0);
    expect(back.nested.list[1]).toBe("1970-01-01T00:00:00.000Z");
    expect(back).toEqual(payload);
    // A top-level Date too.
    expect(topicSerializer.parse(topicSerializer.stringify(new Date(5)))).toEqual(new Date(5));
  });
});

describe("in one process (no REDIS_URL)", () => {
  const fanout = createFanout(undefined, log);
  afterAll(() => fanout.close());

  it("the widget counts as open while its feed is read, and its prompts come through csatPromptsOf", async () => {
    const id = randomUUID();
    const feed = fanout.pubsub.subscribe("visitor", id)[Symbol.asyncIterator]();
    const first = feed.next();
    expect(await fanout.presence.isOpen(id)).toBe(true);
    expect(await fanout.presence.isOpen(randomUUID())).toBe(false);
    publishConversationEvent(fanout.pubsub, randomUUID(), { conversationId: id, change: "MESSAGE", at: new Date(1) });
    expect((await first).value).toEqual({ conversationId: id, change: "MESSAGE", at: new Date(1) });
    await feed.return?.();
    expect(await fanout.presence.isOpen(id)).toBe(false);
  });

  it("a prompt feed ends at once when its subscriber leaves, before any prompt came, and lets go of the presence", async () => {
    const id = randomUUID();
    const prompts = csatPromptsOf(fanout.pubsub.subscribe("visitor", id))[Symbol.asyncIterator]();
    const pending = prompts.next();
    await until(() => fanout.presence.isOpen(id), 2000, "the feed to be live");
    // A change is not a prompt: it is skipped.
    publishConversationEvent(fanout.pubsub, randomUUID(), { conversationId: id, change: "RESOLVED", at: new Date(2) });
    await prompts.return?.();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(await fanout.presence.isOpen(id)).toBe(false);
  });

  it("teammates following a conversation, or a workspace's inboxes, do not make its widget open", async () => {
    const id = randomUUID();
    const workspaceId = randomUUID();
    const teammate = fanout.pubsub.subscribe("conversation", id)[Symbol.asyncIterator]();
    const inbox = fanout.pubsub.subscribe("workspace:conversations", workspaceId)[Symbol.asyncIterator]();
    const [heardByTeammate, heardByInbox] = [teammate.next(), inbox.next()];
    expect(await fanout.presence.isOpen(id)).toBe(false);
    // A prompt reaches neither of them; the next change reaches both.
    publishCsatPrompt(fanout.pubsub, prompt(id), new Date(3));
    publishConversationEvent(fanout.pubsub, workspaceId, { conversationId: id, change: "REOPENED", at: new Date(4) });
    expect((await heardByTeammate).value).toEqual({ conversationId: id, change: "REOPENED", at: new Date(4) });
    expect((await heardByInbox).value).toEqual({ conversationId: id, change: "REOPENED", at: new Date(4) });
    await Promise.all([teammate.return?.(), inbox.return?.()]);
  });
});

describe("across two processes' connections to Redis", () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let a: Fanout;
  let b: Fanout;
  let probe: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    a = createFanout(redis.url, log);
    b = createFanout(redis.url, log);
    probe = new Redis(redis.url);
  }, 30_000);
  afterAll(async () => {
    probe?.disconnect();
    await Promise.all([a?.close(), b?.close()]);
    await redis?.kill();
  });

  const subscribedInRedis = async (channel: string) => Number(((await probe.call("PUBSUB", "NUMSUB", channel)) as [string, number])[1]) > 0;

  it("a payload with Dates published on one side arrives with Dates on the other", async () => {
    const workspaceId = randomUUID();
    const conversationId = randomUUID();
    const answers = take(b.pubsub.subscribe("csat:answered", workspaceId), 1);
    const feed = take(b.pubsub.subscribe("visitor", conversationId), 2);
    await until(
      async () => (await subscribedInRedis(`csat:answered:${workspaceId}`)) && (await subscribedInRedis(`visitor:${conversationId}`)),
      5000,
      "B's subscriptions in Redis",
    );
    const sent = answered(conversationId);
    a.pubsub.publish("csat:answered", workspaceId, sent);
    publishConversationEvent(a.pubsub, workspaceId, { conversationId, change: "ANSWERED", at: sent.answeredAt });
    const sentPrompt = prompt(conversationId);
    publishCsatPrompt(a.pubsub, sentPrompt, new Date("2026-03-04T05:06:08.000Z"));

    const [got] = await answers;
    expect(got!.answeredAt).toBeInstanceOf(Date);
    expect(got!.dispatchedAt).toBeInstanceOf(Date);
    expect(got!.bot!.createdAt).toBeInstanceOf(Date);
    expect(got!.comment).toBe("2026-01-02T03:04:05.000Z");
    expect(got).toEqual(sent);

    const events: VisitorEvent[] = await feed;
    expect(events.map((e) => e.change)).toEqual(["ANSWERED", "CSAT_REQUESTED"]);
    for (const event of events) expect(event.at).toBeInstanceOf(Date);
    const promptEvent = events[1]!;
    expect(promptEvent.change === "CSAT_REQUESTED" && promptEvent.csatPrompt.expiresAt).toBeInstanceOf(Date);
    expect(promptEvent).toEqual({ conversationId, change: "CSAT_REQUESTED", at: new Date("2026-03-04T05:06:08.000Z"), csatPrompt: sentPrompt });
  });

  it("a widget reading its feed on one process counts as open on the other, until it leaves", async () => {
    const id = randomUUID();
    expect(await a.presence.isOpen(id)).toBe(false);
    // Teammates following the conversation on B are not its widget.
    const teammate = b.pubsub.subscribe("conversation", id)[Symbol.asyncIterator]();
    void teammate.next();
    await until(() => subscribedInRedis(`conversation:${id}`), 5000, "the teammate's subscription in Redis");
    expect(await a.presence.isOpen(id)).toBe(false);

    const widget = csatPromptsOf(b.pubsub.subscribe("visitor", id))[Symbol.asyncIterator]();
    const next = widget.next();
    await until(() => a.presence.isOpen(id), 5000, "A to see B's widget");
    expect(await b.presence.isOpen(id)).toBe(true);
    publishCsatPrompt(a.pubsub, prompt(id), new Date(6));
    expect((await next).value).toMatchObject({ conversationId: id, expiresAt: new Date("2026-04-03T00:00:00.000Z") });

    await widget.return?.();
    expect(await b.presence.isOpen(id)).toBe(false);
    await until(async () => !(await a.presence.isOpen(id)), 5000, "A to see the widget gone");
    await teammate.return?.();
  });
});
