import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { createPubSub } from "graphql-yoga";
import { Redis } from "ioredis";
import type { PubSub, Topics } from "./pubsub.js";
import type { Logger } from "./log.js";

/** Tracks which conversations have a live `csatRequested` subscription in this process. */
export interface WidgetPresence {
  isOpen(conversationId: string): Promise<boolean>;
  /** Marks the widget open until the returned function is called. */
  open(conversationId: string): () => void;
}

export function createWidgetPresence(): WidgetPresence {
  const counts = new Map<string, number>();
  return {
    isOpen: async (conversationId) => (counts.get(conversationId) ?? 0) > 0,
    open(conversationId) {
      counts.set(conversationId, (counts.get(conversationId) ?? 0) + 1);
      let closed = false;
      return () => {
        if (closed) return;
        closed = true;
        const left = (counts.get(conversationId) ?? 1) - 1;
        if (left > 0) counts.set(conversationId, left);
        else counts.delete(conversationId);
      };
    },
  };
}

/** How subscriptions reach their sockets: in this process, or across processes through Redis. */
export interface Fanout {
  pubsub: PubSub;
  presence: WidgetPresence;
  /** The connection for commands (not the subscriber's), when Redis is configured. */
  redis: Redis | null;
  close(): Promise<void>;
}

export function createFanout(redisUrl: string | undefined, log: Logger): Fanout {
  const local = createWidgetPresence();
  if (!redisUrl) {
    return { pubsub: createPubSub<Topics>(), presence: local, redis: null, close: async () => {} };
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
        log.warn(`[redis] could not publish to ${channel.split(":").slice(0, 2).join(":")}: ${err.message}`);
        return 0;
      }),
  };
  const subscribeClient = {
    on: (event: "message", fn: (channel: string, message: string) => void) => subscriber.on(event, fn),
    subscribe: (channel: string) => subscriber.subscribe(channel).catch((err: Error) => log.warn(`[redis] subscribe failed: ${err.message}`)),
    unsubscribe: (channel: string) => subscriber.unsubscribe(channel).catch(() => undefined),
  };
  const eventTarget = createRedisEventTarget({
    publishClient: publishClient as unknown as Redis,
    subscribeClient: subscribeClient as unknown as Redis,
  });

  const presence: WidgetPresence = {
    open: local.open,
    /** Open here, or on any process subscribed to the conversation's channel in Redis. */
    async isOpen(conversationId) {
      if (await local.isOpen(conversationId)) return true;
      try {
        const reply = (await publisher.call("PUBSUB", "NUMSUB", `csat:requested:${conversationId}`)) as [string, number];
        return Number(reply[1]) > 0;
      } catch (err) {
        log.warn(`[redis] presence check failed (${(err as Error).message}); counting only this process's widgets`);
        return false;
      }
    },
  };

  return {
    pubsub: createPubSub<Topics>({ eventTarget }),
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
