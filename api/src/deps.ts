import type { Config } from "./config.js";
import type { Clock } from "./clock.js";
import type { Sql } from "./db/client.js";
import type { PrismaClient } from "./generated/prisma/client.js";
import type { RateLimits } from "./http/rateLimit.js";
import type { PubSub } from "./pubsub.js";
import type { WidgetPresence } from "./fanout.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";

/** What every domain service works with: one per server, shared by all requests (a request's own copy adds its id; see appForRequest). */
export interface App {
  prisma: PrismaClient;
  /** The driver itself, for the hot paths (see db/client.ts). */
  sql: Sql;
  pubsub: PubSub;
  clock: Clock;
  config: Pick<Config, "publicUrl" | "emailFrom" | "resendApiKey" | "production" | "signup" | "operatorToken" | "scryptLogN" | "allowedOrigins" | "outboxLeaseMs" | "dataDir" | "webhookEncryptionKey" | "logLevel">;
  presence: WidgetPresence;
  log: Logger;
  limits: RateLimits;
  /** The series GET /metrics serves; services move its counters. */
  metrics: Metrics;
  /**
   * On a request's own copy (see appForRequest): the id of the request or socket operation whose
   * work this is. Rows it leaves for the workers (a survey, an email, a webhook delivery) keep it, so
   * the workers' lines name it as `causedBy`.
   */
  requestId?: string;
}

export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
