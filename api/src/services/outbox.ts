import { Resend } from "resend";
import { deadline } from "../deadline.js";
import type { Prisma } from "../generated/prisma/client.js";
import { faultPoint } from "../faults.js";
import { causedBy } from "../log.js";
import type { Actor } from "./actors.js";
import { isAdminTeammate, requireAdmin, requireMember } from "./actors.js";
import type { App } from "../deps.js";
import { olderThan } from "./paging.js";
import { pageSize } from "./validation.js";
import { randomUUID } from "node:crypto";
import { reminderSubjects } from "./i18n/messages.js";
import { claimBatch, markFailed, markRetry, markSent, rebatch, releaseBatch, renewLease, type ClaimedEmail } from "../db/outbox.js";
import { unsubscribeUrl } from "./email.js";
import { countBouncedSurveys, recordDeliveryEvent, type EmailDeliveryState } from "../db/outbox.js";
import { listSuppressions, removeSuppression, suppressEmail } from "../db/suppressions.js";
import { insertAuditEntry } from "../db/audit.js";
import { auditedBy } from "./audit.js";
import { sleep, type ProviderPacer } from "./providerPacing.js";

/** The reminder's subject in each survey's language, around the survey email's own subject. */
const REMINDER_SUBJECTS = reminderSubjects();

/** Emails per provider call: Resend's /emails/batch takes up to 100. */
export const BATCH_SIZE = 100;
export const MAX_ATTEMPTS = 10;

/** The wait before attempt n+1: 30 s doubling, at most an hour. */
export function backoffMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/** The rating-page links of a kept email, with the token blanked out. */
export function redactSurveyToken(body: string): string {
  return body.replace(/\/csat\/[0-9a-f]{32}/g, "/csat/[token removed after sending]");
}

/** An address the provider would take: one @, no spaces or angle brackets, a dotted domain. */
export function isSendableAddress(address: string): boolean {
  return address.length <= 254 && /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;".]+$/.test(address);
}

/** One email of a batch, as the provider gets it. */
export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** The one-click unsubscribe URL, for the List-Unsubscribe header. */
  listUnsubscribe: string | null;
}

export type BatchOutcome =
  | { ok: true; ids: string[] }
  /** 429: not an attempt; wait `waitMs` and send the same batch again. */
  | { ok: false; rateLimitedMs: number; permanent: false; message: string; status: 429 }
  | { ok: false; rateLimitedMs?: undefined; permanent: boolean; message: string; status: number | null };

/** Sends survey emails through Resend, a batch per call under the batch's idempotency key. */
export interface EmailSender {
  /** `signal` aborts the call (its time is up, or the process is stopping). */
  sendBatch(emails: OutgoingEmail[], from: string, idempotencyKey: string, signal?: AbortSignal): Promise<BatchOutcome>;
}

/** The wait a 429 asks for: retry-after (seconds or a date), else ratelimit-reset (seconds), else 1 s. */
export function rateLimitWaitMs(headers: Record<string, string> | null | undefined): number {
  const retryAfter = headers?.["retry-after"];
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(retryAfter);
    if (Number.isFinite(at)) return Math.max(0, at - Date.now());
  }
  const reset = Number(headers?.["ratelimit-reset"]);
  if (Number.isFinite(reset) && reset >= 0) return reset * 1000;
  return 1000;
}

export function createResendSender(apiKey: string, baseUrl?: string): EmailSender {
  const resend = new Resend(apiKey, baseUrl ? { baseUrl } : undefined);
  return {
    async sendBatch(emails, from, idempotencyKey, signal) {
      const { data, error, headers } = await resend.batch.send(
        emails.map((email) => ({
          from,
          to: email.to,
          subject: email.subject,
          html: email.html,
          text: email.text,
          ...(email.listUnsubscribe
            ? { headers: { "List-Unsubscribe": `<${email.listUnsubscribe}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" } }
            : {}),
        })),
        { idempotencyKey, ...(signal ? { signal } : {}) },
      );
      if (data) return { ok: true, ids: data.data.map((d) => d.id) };
      const status = error?.statusCode ?? null;
      const message = `${error?.name ?? "error"}${status ? ` (${status})` : ""}: ${error?.message ?? "unknown"}`;
      if (status === 429) return { ok: false, rateLimitedMs: rateLimitWaitMs(headers), permanent: false, message, status };
      // Bad content is final (a batch is split to find the item); everything else is tried again.
      return { ok: false, permanent: status === 400 || status === 422, message, status };
    },
  };
}

export interface DeliveryOptions {
  /** How long one provider call may take; past it the attempt counts as failed and is retried later. */
  timeoutMs?: number;
  /** Aborted when the process stops: the call in flight is abandoned and the batch handed back. */
  stop?: AbortSignal;
  /** The provider's pace, shared by all senders; unpaced when absent. */
  pacer?: ProviderPacer;
}

/** One provider call, never longer than `timeoutMs` nor past `stop`, whether or not the sender heeds its signal. */
async function sendWithin(
  sender: EmailSender,
  emails: OutgoingEmail[],
  from: string,
  key: string,
  timeoutMs: number,
  stop?: AbortSignal,
): Promise<BatchOutcome> {
  const limit = deadline(timeoutMs, stop);
  const { signal } = limit;
  let onAbort = () => {};
  const abandoned = new Promise<BatchOutcome>((resolve) => {
    onAbort = () =>
      resolve({
        ok: false,
        permanent: false,
        status: null,
        message: stop?.aborted ? "interrupted: the server stopped while sending" : `no answer from the provider within ${timeoutMs} ms`,
      });
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([
      sender.sendBatch(emails, from, key, signal).catch((err: Error): BatchOutcome => ({ ok: false, permanent: false, status: null, message: err.message })),
      abandoned,
    ]);
  } finally {
    signal.removeEventListener("abort", onAbort);
    limit.clear();
  }
}

/**
 * The unsubscribe link the email was written with: the batch's body then depends only on what was
 * recorded, so a retry by another process (another PUBLIC_URL port, say) repeats it byte for byte.
 */
export function recordedUnsubscribeUrl(html: string): string | null {
  const found = /href="([^"]*\/api\/csat\/unsubscribe\/[0-9a-f]{64})"/.exec(html)?.[1];
  return found ? found.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))) : null;
}

type Result = { sent: number; failed: number; retried: number; rateLimited: number };

/** Sends one recorded batch until it is sent, refused, failed or handed back. */
async function sendBatch(app: App, sender: EmailSender, batchId: string, emails: ClaimedEmail[], options: DeliveryOptions, result: Result): Promise<void> {
  const { stop, timeoutMs = 15_000, pacer } = options;
  const ids = emails.map((e) => e.id);
  // Every line about the batch names the requests that caused its emails.
  const cause = causedBy(emails.map((e) => e.requestId));
  const outgoing: OutgoingEmail[] = emails.map((e) => ({
    to: e.to,
    subject: e.subject,
    html: e.html,
    text: e.text,
    listUnsubscribe: recordedUnsubscribeUrl(e.html) ?? (e.tokenHash ? unsubscribeUrl(app.config.publicUrl, e.tokenHash) : null),
  }));
  for (;;) {
    if (pacer && !(await pacer.acquire(stop))) {
      await releaseBatch(app.sql, ids, null, app.clock.now());
      return;
    }
    const outcome = await sendWithin(sender, outgoing, app.config.emailFrom, `csat-batch/${batchId}`, timeoutMs, stop);
    if (!outcome.ok && stop?.aborted) {
      // Maybe sent, maybe not: tried again at once elsewhere, as the same batch under the same key.
      await releaseBatch(app.sql, ids, outcome.message, app.clock.now());
      return;
    }
    const at = app.clock.now();
    if (outcome.ok) {
      faultPoint("outbox:after-send");
      const marked = await app.sql.transaction((tx) => markSent(tx, emails.map((e, i) => ({ id: e.id, providerId: outcome.ids[i] ?? "" })), at, REMINDER_SUBJECTS));
      app.metrics.emailsSent(marked);
      result.sent += emails.length;
      app.log.info(`[outbox] sent ${emails.length} survey email(s) in batch ${batchId}`, cause);
      return;
    }
    if (outcome.rateLimitedMs !== undefined) {
      // Not a failed attempt: every sender waits what the provider asked, then this batch goes again.
      result.rateLimited++;
      app.metrics.providerRateLimited();
      app.log.warn(`[outbox] the provider asks to wait ${outcome.rateLimitedMs} ms (429); batch ${batchId} waits`, cause);
      await pacer?.pause(outcome.rateLimitedMs);
      if (!pacer) await sleep(outcome.rateLimitedMs, stop);
      await renewLease(app.sql, batchId, new Date(app.clock.now().getTime() + app.config.outboxLeaseMs));
      continue;
    }
    if (outcome.permanent && emails.length > 1) {
      // The provider refused the whole batch for one item: split it, each half a batch of its own.
      const half = Math.ceil(emails.length / 2);
      app.log.warn(`[outbox] batch ${batchId} of ${emails.length} refused (${outcome.message}); split in two`, cause);
      for (const part of [emails.slice(0, half), emails.slice(half)]) {
        const partId = randomUUID();
        await rebatch(app.sql, part.map((e) => e.id), partId, new Date(app.clock.now().getTime() + app.config.outboxLeaseMs));
        await sendBatch(app, sender, partId, part, options, result);
        if (stop?.aborted) return;
      }
      return;
    }
    const attempts = Math.max(...emails.map((e) => e.attempts));
    if (outcome.permanent || attempts >= MAX_ATTEMPTS) {
      await markFailed(app.sql, ids, outcome.message);
      result.failed += emails.length;
      app.log.error(`[outbox] ${emails.length} survey email(s) in batch ${batchId} failed for good after ${attempts} attempt(s): ${outcome.message}`, undefined, cause);
      return;
    }
    const wait = backoffMs(attempts);
    // Even a 409 (the key seen with another body: rows left the batch meanwhile) keeps the batch: the
    // provider may have taken it, and a new key could send its emails twice. Never twice comes first.
    await markRetry(app.sql, ids, outcome.message, new Date(at.getTime() + wait));
    result.retried += emails.length;
    app.log.warn(`[outbox] batch ${batchId} (${emails.length} email(s)) attempt ${attempts} failed (${outcome.message}); next try in ${Math.round(wait / 1000)} s`, cause);
    return;
  }
}

/**
 * Sends what the outbox holds, a batch of up to 100 per provider call. A batch is recorded (its rows
 * SENDING under its batch id, with a lease) before the call and marked SENT after; a process that
 * dies in between leaves a lease that expires, and the same rows go again under the same key
 * (csat-batch/<batch id>), so the customer gets one email. Addresses that cannot be sent to fail
 * before the call, so they never hold back the rest.
 */
export async function deliverOutbox(app: App, sender: EmailSender, options: DeliveryOptions = {}): Promise<Result> {
  const result: Result = { sent: 0, failed: 0, retried: 0, rateLimited: 0 };
  const { stop } = options;
  while (!stop?.aborted) {
    const now = app.clock.now();
    const batch = await app.sql.transaction((tx) => claimBatch(tx, now, new Date(now.getTime() + app.config.outboxLeaseMs), BATCH_SIZE, randomUUID()));
    if (!batch) break;
    faultPoint("outbox:after-claim");
    // Checked the same way on every retry of the batch, so its body stays the same.
    const invalid = batch.emails.filter((e) => !isSendableAddress(e.to));
    if (invalid.length) {
      await markFailed(app.sql, invalid.map((e) => e.id), "Not sent: the address is not a valid email address");
      result.failed += invalid.length;
    }
    const valid = batch.emails.filter((e) => isSendableAddress(e.to));
    if (valid.length) await sendBatch(app, sender, batch.batchId, valid, options, result);
    if (batch.emails.length < BATCH_SIZE && !batch.retried) break;
  }
  return result;
}

/** Prisma's include/select for outbox emails, as GraphQL selections plan it. */
export type OutboxQuery = Pick<Prisma.EmailOutboxFindManyArgs, "include" | "select">;

/** The workspace's survey emails, newest first: what was sent, is waiting, failed, or was only recorded. */
export async function listOutbox(
  app: App,
  actor: Actor | null,
  first: number | null | undefined,
  query: OutboxQuery = {},
  after?: string | null,
) {
  const admin = requireAdmin(actor);
  const workspaceId = admin.workspaceId;
  const older = await olderThan(after, (id) => app.prisma.emailOutbox.findFirst({ where: { id, workspaceId }, select: { createdAt: true } }));
  return app.prisma.emailOutbox.findMany({
    ...query,
    where: { workspaceId, ...older },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: pageSize(first, 50),
  });
}

/** What stands in the API's copy of a survey email where the survey token was. */
export const HIDDEN_TOKEN = "[survey token hidden]";

/**
 * A survey email's body as the API shows it: every rating link's token replaced by a placeholder,
 * and any other run of 32 or more hex digits too. A token leaves the server only in the email
 * itself and in the widget's prompt, never to an admin or an API key, who could answer in the
 * customer's place.
 */
export function hideSurveyTokens(body: string): string {
  return body.replace(/\/csat\/(?!\[)[^\s"'<>?#&/]+/g, `/csat/${HIDDEN_TOKEN}`).replace(/[0-9a-f]{32,}/gi, HIDDEN_TOKEN);
}

/**
 * Development only (null when NODE_ENV=production): the rating page of an email not yet sent, for an
 * ADMIN teammate to try the flow from the Outbox page. Never for API keys; null once the email is
 * sent (the kept copy has lost its token).
 */
export function outboxPreviewUrl(app: App, actor: Actor | null, email: { html: string }): string | null {
  if (app.config.production) return null;
  if (!isAdminTeammate(actor)) return null;
  const token = /\/csat\/([0-9a-f]{32})(?![0-9a-f])/.exec(email.html)?.[1];
  return token ? `${app.config.publicUrl}/csat/${token}` : null;
}

/** A Resend webhook event, as far as we read it. */
export interface DeliveryEvent {
  type: string;
  created_at?: string;
  data?: { email_id?: string; bounce?: { type?: string; subType?: string } };
}

const DELIVERY_OF: Record<string, EmailDeliveryState> = {
  "email.delivered": "DELIVERED",
  "email.delivery_delayed": "DELAYED",
  "email.bounced": "BOUNCED",
  "email.complained": "COMPLAINED",
};

/** A bounce that will not pass on retry (Resend says Permanent; unknown kinds count as hard). */
function hardBounce(event: DeliveryEvent): boolean {
  return !/transient|soft|temporary|undetermined/i.test(event.data?.bounce?.type ?? "");
}

/**
 * Applies one verified provider event, once per event id: the email's delivery state moves on, and
 * a hard bounce or a complaint puts the address on its workspace's suppression list (its waiting
 * emails stop). Returns whether anything was applied (false: seen before, another event type, or
 * not one of our emails).
 */
export async function applyDeliveryEvent(app: App, eventId: string, event: DeliveryEvent): Promise<boolean> {
  const delivery = DELIVERY_OF[event.type];
  const providerId = event.data?.email_id;
  if (!delivery || !providerId || !eventId) return false;
  const now = app.clock.now();
  return app.sql.transaction(async (tx) => {
    const email = await recordDeliveryEvent(tx, { id: eventId, type: event.type, providerId, delivery }, now);
    if (!email) return false;
    const suppress = delivery === "COMPLAINED" || (delivery === "BOUNCED" && hardBounce(event));
    if (suppress && email.to) {
      const stopped = await suppressEmail(tx, email.workspaceId, email.to.toLowerCase(), delivery === "COMPLAINED" ? "COMPLAINED" : "BOUNCED", now);
      app.log.info(`[outbox] an address ${delivery === "COMPLAINED" ? "complained" : "bounced"}: suppressed in workspace ${email.workspaceId}${stopped ? `; ${stopped} waiting email(s) stopped` : ""}`);
    }
    return true;
  });
}

/** The workspace's suppressed addresses, newest first (ADMIN). */
export async function listEmailSuppressions(app: App, actor: Actor | null, first: number | null | undefined) {
  const admin = requireAdmin(actor);
  return listSuppressions(app.sql, admin.workspaceId, pageSize(first, 100));
}

/** Lets the workspace email an address again (ADMIN; audited). True when it was suppressed. */
export async function removeEmailSuppression(app: App, actor: Actor | null, email: string): Promise<boolean> {
  const admin = requireAdmin(actor);
  const address = email.trim().toLowerCase();
  return app.sql.transaction(async (tx) => {
    const removed = await removeSuppression(tx, admin.workspaceId, address);
    if (removed) {
      await insertAuditEntry(tx, {
        workspaceId: admin.workspaceId,
        action: "emailSuppression.remove",
        ...auditedBy(admin),
        before: { email: address, reason: removed.reason },
        after: {},
        createdAt: app.clock.now(),
      });
    }
    return removed !== null;
  });
}

/** A report's bounced figure: surveys of its window whose email bounced. */
export async function bouncedSurveys(app: App, actor: Actor | null, report: { workspaceId: string; from: Date | null; to: Date | null }): Promise<number> {
  const member = requireMember(actor);
  if (member.workspaceId !== report.workspaceId) return 0;
  return countBouncedSurveys(app.sql, report.workspaceId, report.from, report.to);
}
