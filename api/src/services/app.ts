import type { Config } from "../config.js";
import type { Clock } from "../clock.js";
import type { Sql } from "../db/client.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import type { RateLimits } from "../http/rateLimit.js";
import type { PubSub } from "../pubsub.js";

export interface Logger {
  info(line: string): void;
  warn(line: string): void;
  error(line: string, err?: unknown): void;
}

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

/** What every domain service works with: one per server, shared by all requests. */
export interface App {
  prisma: PrismaClient;
  /** The driver itself, for the hot paths (see db/client.ts). */
  sql: Sql;
  pubsub: PubSub;
  clock: Clock;
  config: Pick<Config, "publicUrl" | "emailFrom" | "resendApiKey" | "production" | "signup" | "operatorToken" | "scryptLogN" | "allowedOrigins">;
  presence: WidgetPresence;
  log: Logger;
  limits: RateLimits;
}

export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
