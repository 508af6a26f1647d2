import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { Redis } from "ioredis";
import type { PubSub, Topics } from "./pubsub.js";
import type { Logger } from "./log.js";
import { createTopicPubSub, type TopicTarget } from "./topicFeed.js";

/**
 * Whether a conversation's widget is open: whether anyone listens on its `visitor:<id>` topic, in
 * this process or (with Redis) in any process.
 */
export interface WidgetPresence {
  isOpen(conversationId: string): Promise<boolean>;
}

/** An event target that knows which topics have listeners in this process. */
function countingListeners(target: TopicTarget) {
  const listeners = new Map<string, Set<unknown>>();
  const counted: TopicTarget = {
    addEventListener(topic, listener) {
      target.addEventListener(topic, listener);
      let set = listeners.get(topic);
      if (!set) listeners.set(topic, (set = new Set()));
      set.add(listener);
    },
    removeEventListener(topic, listener) {
      target.removeEventListener(topic, listener);
      const set = listeners.get(topic);
      set?.delete(listener);
      if (set?.size === 0) listeners.delete(topic);
    },
    dispatchEvent: (event) => target.dispatchEvent(event),
  };
  return { target: counted, listening: (topic: string) => listeners.has(topic) };
}

/** The channel a conversation's widget listens on (`visitor:<id>`, as the pub/sub names it). */
const visitorChannel = (conversationId: string) => `visitor:${conversationId}`;

/**
 * JSON in which Dates stay Dates across Redis: each Date goes out tagged (`{"$date": iso}`) and
 * comes back as a Date, so the payloads are what `Topics` says they are.
 */
export const topicSerializer = {
  stringify(message: unknown): string {
    return JSON.stringify(message, function (this: Record<string, unknown>, key, value: unknown) {
      const raw = this[key];
      return raw instanceof Date ? { $date: Number.isNaN(raw.getTime()) ? null : raw.toISOString() } : value;
    });
  },
  parse(message: string): unknown {
    return JSON.parse(message, (_key, value: unknown) => {
      if (typeof value !== "object" || value === null || !("$date" in value) || Object.keys(value).length !== 1) return value;
      const iso = (value as { $date: unknown }).$date;
      return typeof iso === "string" ? new Date(iso) : iso === null ? new Date(NaN) : value;
    });
  },
};

/** How subscriptions reach their sockets: in this process, or across processes through Redis. */
export interface Fanout {
  pubsub: PubSub;
  presence: WidgetPresence;
  /** The connection for commands (not the subscriber's), when Redis is configured. */
  redis: Redis | null;
  close(): Promise<void>;
}

export function createFanout(redisUrl: string | undefined, log: Logger): Fanout {
  if (!redisUrl) {
    const local = countingListeners(new EventTarget());
    const presence: WidgetPresence = { isOpen: async (conversationId) => local.listening(visitorChannel(conversationId)) };
    return { pubsub: createTopicPubSub<Topics>(local.target), presence, redis: null, close: async () => {} };
  }

  const options = { lazyConnect: false, maxRetriesPerRequest: 1, retryStrategy: (n: number) => Math.min(200 * n, 2000) };
  const publisher = new Redis(redisUrl, { ...options, enableOfflineQueue: false });
  const subscriber = new Redis(redisUrl, options);
  let closing = false;
  watch(publisher, "publish", log, () => closing);
  watch(subscriber, "subscribe", log, () => closing);

  // The event target ignores the promises these return; a Redis outage must not become an
  // unhandled rejection. Publishing while Redis is down loses that push (logged); the survey row
  // stays the truth, and the widget can still read it.
  const publishClient = {
    publish: (channel: string, message: string) =>
      publisher.publish(channel, message).catch((err: Error) => {
        log.warn(`[redis] could not publish to ${channel.replace(/:[0-9a-f-]{36}$/i, "")}: ${err.message}`);
        return 0;
      }),
  };
  const subscribeClient = {
    on: (event: "message", fn: (channel: string, message: string) => void) => subscriber.on(event, fn),
    subscribe: (channel: string) => subscriber.subscribe(channel).catch((err: Error) => log.warn(`[redis] subscribe failed: ${err.message}`)),
    unsubscribe: (channel: string) => subscriber.unsubscribe(channel).catch(() => undefined),
  };
  const local = countingListeners(
    createRedisEventTarget({
      publishClient: publishClient as unknown as Redis,
      subscribeClient: subscribeClient as unknown as Redis,
      serializer: topicSerializer,
    }),
  );

  const presence: WidgetPresence = {
    /** Open here (also while Redis is away), or on any process subscribed to the widget's channel in Redis. */
    async isOpen(conversationId) {
      if (local.listening(visitorChannel(conversationId))) return true;
      try {
        const reply = (await publisher.call("PUBSUB", "NUMSUB", visitorChannel(conversationId))) as [string, number];
        return Number(reply[1]) > 0;
      } catch (err) {
        log.warn(`[redis] presence check failed (${(err as Error).message}); counting only this process's widgets`);
        return false;
      }
    },
  };

  return {
    pubsub: createTopicPubSub<Topics>(local.target),
    presence,
    redis: publisher,
    async close() {
      closing = true;
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}

/**
 * One log line when a connection is lost and one when it is back, not one per retry. A connection
 * that closes counts as lost even if it is back before any error (a quick Redis restart).
 */
function watch(client: Redis, role: string, log: Logger, closing: () => boolean) {
  let down = false;
  let wasReady = false;
  client.on("ready", () => {
    if (down) log.info(`[redis] ${role} connection restored; fan-out resumes`);
    else log.info(`[redis] ${role} connection ready`);
    down = false;
    wasReady = true;
  });
  client.on("close", () => {
    if (!down && wasReady && !closing()) lost(new Error("connection closed"));
  });
  client.on("error", (err: Error) => lost(err));
  function lost(err: Error) {
    if (down) return;
    down = true;
    log.error(`[redis] ${role} connection lost (${err.message}); HTTP keeps serving, cross-process pushes pause and rate limits count per process until Redis is back`);
  }
}
