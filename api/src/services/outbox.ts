import { Resend } from "resend";
import type { Prisma } from "../generated/prisma/client.js";
import { faultPoint } from "../faults.js";
import type { Actor } from "./actors.js";
import { isAdminTeammate, requireAdmin } from "./actors.js";
import type { App } from "../deps.js";
import { pageSize } from "./validation.js";
import { suppressedSql } from "../db/suppressions.js";
import { unsubscribeUrl } from "./email.js";

const BATCH = 20;
export const MAX_ATTEMPTS = 10;

/** The wait before attempt n+1: 30 s doubling, at most an hour. */
export function backoffMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/** The rating-page links of a kept email, with the token blanked out. */
export function redactSurveyToken(body: string): string {
  return body.replace(/\/csat\/[0-9a-f]{32}/g, "/csat/[token removed after sending]");
}

interface ClaimedEmail {
  id: string;
  survey_id: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  attempts: number;
  /** The address unsubscribed from this workspace since the email was written: not sent. */
  suppressed: boolean;
  /** The one-click unsubscribe URL, for the List-Unsubscribe header. */
  list_unsubscribe: string | null;
}

/** Sends survey emails through Resend; one key per survey so a resend after a crash is deduplicated. */
export interface EmailSender {
  /** `signal` aborts the call (its time is up, or the process is stopping). */
  send(email: ClaimedEmail, from: string, signal?: AbortSignal): Promise<{ ok: true; id: string } | { ok: false; permanent: boolean; message: string }>;
}

export function createResendSender(apiKey: string, baseUrl?: string): EmailSender {
  const resend = new Resend(apiKey, baseUrl ? { baseUrl } : undefined);
  return {
    async send(email, from, signal) {
      const headers = email.list_unsubscribe
        ? { "List-Unsubscribe": `<${email.list_unsubscribe}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" }
        : undefined;
      const { data, error } = await resend.emails.send(
        { from, to: email.to, subject: email.subject, html: email.html, text: email.text, ...(headers ? { headers } : {}) },
        { idempotencyKey: `csat-survey/${email.survey_id}`, ...(signal ? { signal } : {}) },
      );
      if (data) return { ok: true, id: data.id };
      const status = error?.statusCode ?? null;
      // Bad content is final; everything else (5xx, 429, network, keys being fixed) is tried again.
      const permanent = status === 400 || status === 422;
      return { ok: false, permanent, message: `${error?.name ?? "error"}${status ? ` (${status})` : ""}: ${error?.message ?? "unknown"}` };
    },
  };
}

export interface DeliveryOptions {
  /** How long one provider call may take; past it the attempt counts as failed and is retried later. */
  timeoutMs?: number;
  /** Aborted when the process stops: the call in flight is abandoned and the rest of the batch let go. */
  stop?: AbortSignal;
}

type SendOutcome = Awaited<ReturnType<EmailSender["send"]>>;

/** One provider call, never longer than `timeoutMs` nor past `stop`, whether or not the sender heeds its signal. */
async function sendWithin(sender: EmailSender, email: ClaimedEmail, from: string, timeoutMs: number, stop?: AbortSignal): Promise<SendOutcome> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = stop ? AbortSignal.any([stop, timeout]) : timeout;
  let onAbort = () => {};
  const abandoned = new Promise<SendOutcome>((resolve) => {
    onAbort = () =>
      resolve({
        ok: false,
        permanent: false,
        message: stop?.aborted ? "interrupted: the server stopped while sending" : `no answer from the provider within ${timeoutMs} ms`,
      });
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([
      sender.send(email, from, signal).catch((err: Error): SendOutcome => ({ ok: false, permanent: false, message: err.message })),
      abandoned,
    ]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** Hands claimed emails back to the outbox untried (a stop): the next pass of any process sends them. */
async function release(app: App, ids: string[], lastError: string | null): Promise<void> {
  if (ids.length === 0) return;
  await app.prisma.emailOutbox.updateMany({
    where: { id: { in: ids }, state: "SENDING" },
    data: { state: "PENDING", lockedUntil: null, nextAttemptAt: app.clock.now(), attempts: { decrement: 1 }, ...(lastError ? { lastError } : {}) },
  });
}

/**
 * Sends what the outbox holds. A row is claimed (SENDING with a lease) before the call to Resend and
 * marked SENT after; a process that dies in between leaves a lease that expires, and the row is sent
 * again under the same idempotency key, so the customer gets one email.
 */
export async function deliverOutbox(
  app: App,
  sender: EmailSender,
  options: DeliveryOptions = {},
): Promise<{ sent: number; failed: number; retried: number }> {
  const result = { sent: 0, failed: 0, retried: 0 };
  const { stop, timeoutMs = 15_000 } = options;
  while (!stop?.aborted) {
    const now = app.clock.now();
    const claimed = (
      await app.sql.query<Omit<ClaimedEmail, "list_unsubscribe"> & { token_hash: string | null }>(
        `UPDATE email_outbox o SET state = 'SENDING', attempts = attempts + 1, locked_until = $2
         WHERE id IN (
           SELECT id FROM email_outbox
           WHERE (state = 'PENDING' AND next_attempt_at <= $1) OR (state = 'SENDING' AND locked_until <= $1)
           ORDER BY next_attempt_at LIMIT $3
           FOR UPDATE SKIP LOCKED)
         RETURNING id, survey_id, "to", subject, html, text, attempts, ${suppressedSql("o")} AS suppressed,
           (SELECT token_hash FROM csat_survey s WHERE s.id = o.survey_id) AS token_hash`,
        [now, new Date(now.getTime() + app.config.outboxLeaseMs), BATCH],
      )
    ).map(({ token_hash, ...email }) => ({ ...email, list_unsubscribe: token_hash ? unsubscribeUrl(app.config.publicUrl, token_hash) : null }));
    if (claimed.length) faultPoint("outbox:after-claim");
    for (const [index, email] of claimed.entries()) {
      if (stop?.aborted) {
        await release(app, claimed.slice(index).map((e) => e.id), null);
        break;
      }
      if (email.suppressed) {
        await app.prisma.emailOutbox.update({ where: { id: email.id }, data: { state: "SUPPRESSED", lockedUntil: null } });
        app.log.info(`[outbox] survey email ${email.id} not sent: the address unsubscribed`);
        continue;
      }
      const outcome = await sendWithin(sender, email, app.config.emailFrom, timeoutMs, stop);
      if (!outcome.ok && stop?.aborted) {
        // Maybe sent, maybe not: tried again at once elsewhere, under the same idempotency key.
        await release(app, claimed.slice(index).map((e) => e.id), outcome.message);
        break;
      }
      const at = app.clock.now();
      if (outcome.ok) faultPoint("outbox:after-send");
      // Each outcome is written only while the row is still SENDING: an erasure of the customer
      // (eraseCustomer) cancels and blanks it meanwhile, and must not be written over.
      if (outcome.ok) {
        await app.prisma.emailOutbox.updateMany({
          where: { id: email.id, state: "SENDING" },
          data: {
            state: "SENT",
            sentAt: at,
            providerId: outcome.id,
            lockedUntil: null,
            lastError: null,
            // Once delivered, the copy we keep loses the survey token: only its hash stays.
            html: redactSurveyToken(email.html),
            text: redactSurveyToken(email.text),
          },
        });
        result.sent++;
        app.log.info(`[outbox] sent survey email ${email.id} (attempt ${email.attempts})`);
      } else if (outcome.permanent || email.attempts >= MAX_ATTEMPTS) {
        await app.prisma.emailOutbox.updateMany({
          where: { id: email.id, state: "SENDING" },
          data: { state: "FAILED", lockedUntil: null, lastError: outcome.message },
        });
        result.failed++;
        app.log.error(`[outbox] survey email ${email.id} failed for good after ${email.attempts} attempt(s): ${outcome.message}`);
      } else {
        const wait = backoffMs(email.attempts);
        await app.prisma.emailOutbox.updateMany({
          where: { id: email.id, state: "SENDING" },
          data: { state: "PENDING", lockedUntil: null, lastError: outcome.message, nextAttemptAt: new Date(at.getTime() + wait) },
        });
        result.retried++;
        app.log.warn(`[outbox] survey email ${email.id} attempt ${email.attempts} failed (${outcome.message}); next try in ${Math.round(wait / 1000)} s`);
      }
    }
    if (claimed.length < BATCH) break;
  }
  return result;
}

/** Prisma's include/select for outbox emails, as GraphQL selections plan it. */
export type OutboxQuery = Pick<Prisma.EmailOutboxFindManyArgs, "include" | "select">;

/** The workspace's survey emails, newest first: what was sent, is waiting, failed, or was only recorded. */
export async function listOutbox(app: App, actor: Actor | null, first: number | null | undefined, query: OutboxQuery = {}) {
  const admin = requireAdmin(actor);
  return app.prisma.emailOutbox.findMany({
    ...query,
    where: { workspaceId: admin.workspaceId },
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
