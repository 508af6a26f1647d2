import { Webhook } from "standardwebhooks";
import { claimDeliveries, markAttemptFailed, markDelivered, markGivenUp, releaseDelivery, type ClaimedDelivery } from "../db/webhooks.js";
import type { App } from "../deps.js";
import { faultPoint } from "../faults.js";
import { causedBy } from "../log.js";
import { openSecret } from "./webhookSecrets.js";
import { postWebhook, type PostOutcome } from "./webhookTargets.js";


/** How long a receiver has to answer, at most (less when the lease is shorter: it must outlast the POST). */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** A delivery is tried for a day after its event, then given up (FAILED). */
export const WEBHOOK_RETRY_FOR_MS = 86_400_000;
/** Deliveries claimed and POSTed at once by one process. */
const BATCH = 20;

/** The wait before attempt n+1: 5 s, ×4 each time, at most 2 hours (about 20 attempts in the day). */
export function webhookBackoffMs(attempts: number): number {
  return Math.min(5_000 * 4 ** Math.max(0, attempts - 1), 7_200_000);
}

export interface WebhookPassResult {
  delivered: number;
  retried: number;
  failed: number;
}

/**
 * POSTs what the webhook outbox holds, signed per Standard Webhooks. Each delivery is claimed with
 * a lease (and its attempt counted) before it is POSTed and marked after, so one whose sender died
 * in between goes again when the lease passes, under the same webhook-id (receivers drop repeats by
 * it). A 2xx delivers it (once: the state changes only from PENDING); anything else, or no answer
 * in time, tries again with backoff for a day. `stop` aborts the POSTs in flight and hands them back.
 */
export async function deliverWebhooks(app: App, options: { stop?: AbortSignal } = {}): Promise<WebhookPassResult> {
  const result: WebhookPassResult = { delivered: 0, retried: 0, failed: 0 };
  const { stop } = options;
  const leaseMs = app.config.outboxLeaseMs;
  while (!stop?.aborted) {
    const now = app.clock.now();
    const claimed = await claimDeliveries(app.sql, now, new Date(now.getTime() + leaseMs), BATCH);
    if (!claimed.length) break;
    faultPoint("webhooks:after-claim");
    await Promise.all(claimed.map((delivery) => deliverOne(app, delivery, Math.min(WEBHOOK_TIMEOUT_MS, Math.floor(leaseMs / 2)), result, stop)));
    if (claimed.length < BATCH) break;
  }
  return result;
}

/** An endpoint as the log names it: its id and host (never its path or query, which may hold a token). */
function where(delivery: ClaimedDelivery): string {
  const host = URL.canParse(delivery.url) ? new URL(delivery.url).host : "?";
  return `endpoint ${delivery.endpointId} (${host})`;
}

async function deliverOne(app: App, delivery: ClaimedDelivery, timeoutMs: number, result: WebhookPassResult, stop?: AbortSignal): Promise<void> {
  // Every line about the delivery names the request that caused its event.
  const cause = causedBy([delivery.requestId]);
  let outcome: PostOutcome;
  try {
    const secret = openSecret(app, delivery.endpointId, delivery.secretSealed);
    const sentAt = new Date(); // the receiver compares webhook-timestamp with its own clock: the wall clock's
    outcome = await postWebhook(
      delivery.url,
      {
        "webhook-id": delivery.id,
        "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
        "webhook-signature": new Webhook(secret).sign(delivery.id, sentAt, delivery.body),
      },
      delivery.body,
      { timeoutMs, production: app.config.production, ...(stop ? { signal: stop } : {}) },
    );
  } catch (err) {
    outcome = { status: null, error: `the endpoint's signing secret does not open (was WEBHOOK_ENCRYPTION_KEY or DATA_DIR's key changed?): ${(err as Error).message}` };
    app.log.error(`[webhooks] delivery ${delivery.id}: ${outcome.error}`, undefined, cause);
  }
  const at = app.clock.now();
  if (outcome.status === null && stop?.aborted) {
    await releaseDelivery(app.sql, delivery.id, at);
    return;
  }
  if (outcome.status !== null && outcome.status >= 200 && outcome.status < 300) {
    faultPoint("webhooks:after-post");
    if (await markDelivered(app.sql, delivery.id, outcome.status, at)) result.delivered++;
    app.log.info(`[webhooks] ${delivery.event} delivered to ${where(delivery)} (${outcome.status}, attempt ${delivery.attempts})`, cause);
    return;
  }
  const failure = outcome.status === null ? { status: null, error: outcome.error } : { status: outcome.status, error: `answered ${outcome.status}` };
  const next = new Date(at.getTime() + webhookBackoffMs(delivery.attempts));
  if (next.getTime() - delivery.createdAt.getTime() > WEBHOOK_RETRY_FOR_MS) {
    await markGivenUp(app.sql, delivery.id, failure);
    result.failed++;
    app.log.error(`[webhooks] ${delivery.event} to ${where(delivery)} given up after ${delivery.attempts} attempt(s) in a day: ${failure.error}`, undefined, cause);
    return;
  }
  await markAttemptFailed(app.sql, delivery.id, failure, next);
  result.retried++;
  app.log.warn(
    `[webhooks] ${delivery.event} to ${where(delivery)} attempt ${delivery.attempts} failed (${failure.error}); next try in ${Math.round((next.getTime() - at.getTime()) / 1000)} s`,
    cause,
  );
}
