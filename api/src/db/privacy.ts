import type { Queryable } from "./client.js";

/** What an erased customer is called from then on. */
export const ERASED_CUSTOMER_NAME = "Erased customer";
const CANCELLED_EMAIL = "Cancelled: the customer's data was erased";
const ERASED_ERROR = "(erased with the customer's data)";

/** How much one erasure blanked; counts only, never the data itself. */
export interface ErasedCounts {
  customers: number;
  conversations: number;
  messages: number;
  comments: number;
  surveyTokens: number;
  emails: number;
}

/** The customer, locked for its erasure, if it belongs to the workspace. */
export async function lockCustomer(tx: Queryable, workspaceId: string, customerId: string): Promise<{ id: string } | null> {
  const [row] = await tx.query<{ id: string }>("SELECT id FROM customer WHERE id = $1::uuid AND workspace_id = $2::uuid FOR UPDATE", [
    customerId,
    workspaceId,
  ]);
  return row ?? null;
}

/** The conversations of these customers whose widget token still works. */
export async function liveVisitorConversations(tx: Queryable, customerIds: string[]): Promise<string[]> {
  if (customerIds.length === 0) return [];
  const rows = await tx.query<{ id: string }>(
    "SELECT id FROM conversation WHERE customer_id = ANY($1::uuid[]) AND visitor_token_hash IS NOT NULL",
    [customerIds],
  );
  return rows.map((r) => r.id);
}

/**
 * Erases what identifies the customers: their name and email, the text of every message of their
 * conversations, their surveys' comments, their widget and survey tokens (the hashes go, so the
 * tokens find nothing), surveys still waiting for dispatch (cancelled: there is no one to ask),
 * and their survey emails' stored copies (unsent ones are cancelled), and the comment in webhook
 * events not yet sent. Scores, times, states and bot, channel and teammate links stay, so the
 * report tallies (which count states, times and scores, never comments) do not move. Running it
 * again changes nothing more.
 */
export async function eraseCustomers(tx: Queryable, customerIds: string[], now: Date): Promise<ErasedCounts> {
  if (customerIds.length === 0) return { customers: 0, conversations: 0, messages: 0, comments: 0, surveyTokens: 0, emails: 0 };
  const customers = await tx.query(
    "UPDATE customer SET name = $2, email = NULL, locale = NULL, erased_at = coalesce(erased_at, $3) WHERE id = ANY($1::uuid[]) RETURNING id",
    [customerIds, ERASED_CUSTOMER_NAME, now],
  );
  const conversations = await tx.query(
    `UPDATE conversation SET visitor_token_hash = NULL
     WHERE customer_id = ANY($1::uuid[]) AND visitor_token_hash IS NOT NULL RETURNING id`,
    [customerIds],
  );
  const messages = await tx.query(
    `UPDATE message m SET body = '' FROM conversation c
     WHERE c.id = m.conversation_id AND c.customer_id = ANY($1::uuid[]) AND m.body <> '' RETURNING m.id`,
    [customerIds],
  );
  const surveys = await tx.query<{ hadComment: boolean; hadToken: boolean }>(
    `WITH target AS (
      SELECT s.id, s.comment IS NOT NULL AS had_comment, s.token_hash IS NOT NULL AS had_token
      FROM csat_survey s JOIN conversation c ON c.id = s.conversation_id
      WHERE c.customer_id = ANY($1::uuid[]) AND (s.comment IS NOT NULL OR s.token_hash IS NOT NULL OR s.state = 'SCHEDULED')
      ORDER BY s.id
      FOR UPDATE OF s
    )
    UPDATE csat_survey s
    SET comment = NULL, token_hash = NULL,
        state = CASE WHEN s.state = 'SCHEDULED' THEN 'CANCELLED'::"CsatSurveyState" ELSE s.state END,
        cancelled_at = CASE WHEN s.state = 'SCHEDULED' THEN $2 ELSE s.cancelled_at END
    FROM target t WHERE s.id = t.id
    RETURNING t.had_comment AS "hadComment", t.had_token AS "hadToken"`,
    [customerIds, now],
  );
  const emails = await tx.query(
    `UPDATE email_outbox e
     SET "to" = '', html = '', text = '', locked_until = NULL,
         state = CASE WHEN e.state IN ('PENDING', 'SENDING') THEN 'FAILED'::"EmailState" ELSE e.state END,
         last_error = CASE WHEN e.state IN ('PENDING', 'SENDING') THEN $2
                           WHEN e.last_error IS NOT NULL THEN $3 END
     FROM csat_survey s JOIN conversation c ON c.id = s.conversation_id
     WHERE s.id = e.survey_id AND c.customer_id = ANY($1::uuid[])
       AND (e."to" <> '' OR e.html <> '' OR e.text <> '' OR e.state IN ('PENDING', 'SENDING')
            OR (e.last_error IS NOT NULL AND e.last_error NOT IN ($2, $3)))
     RETURNING e.id`,
    [customerIds, CANCELLED_EMAIL, ERASED_ERROR],
  );
  // Webhook events still waiting to be sent keep a copy of the comment in their body: it goes too
  // (the event is still sent, with the score, as an erased comment reads: null).
  await tx.query(
    `UPDATE webhook_delivery d SET payload = jsonb_set(d.payload, '{data,comment}', 'null'::jsonb)
     WHERE d.state = 'PENDING' AND jsonb_typeof(d.payload #> '{data,comment}') = 'string'
       AND d.subject_id IN (
         SELECT s.id FROM csat_survey s JOIN conversation c ON c.id = s.conversation_id WHERE c.customer_id = ANY($1::uuid[])
         UNION ALL
         SELECT f.id FROM csat_follow_up f JOIN csat_survey s ON s.id = f.survey_id JOIN conversation c ON c.id = s.conversation_id
         WHERE c.customer_id = ANY($1::uuid[]))`,
    [customerIds],
  );
  return {
    customers: customers.length,
    conversations: conversations.length,
    messages: messages.length,
    comments: surveys.filter((s) => s.hadComment).length,
    surveyTokens: surveys.filter((s) => s.hadToken).length,
    emails: emails.length,
  };
}

/** Takes the day's retention sweep for this process: false when another process already has it. */
export async function claimSweepDay(tx: Queryable, day: string, now: Date): Promise<boolean> {
  const rows = await tx.query("INSERT INTO retention_sweep (day, started_at) VALUES ($1::date, $2) ON CONFLICT (day) DO NOTHING RETURNING day", [
    day,
    now,
  ]);
  return rows.length === 1;
}

export async function recordSweep(tx: Queryable, day: string, counts: { customers: number; comments: number }): Promise<void> {
  await tx.query("UPDATE retention_sweep SET customers = $2, comments = $3 WHERE day = $1::date", [day, counts.customers, counts.comments]);
}

/**
 * Customers not yet erased, in workspaces with a retention period, whose record and every
 * conversation are older than it (no conversation of theirs changed since the cutoff).
 */
export async function customersPastRetention(tx: Queryable, now: Date): Promise<{ id: string; workspaceId: string; retentionDays: number }[]> {
  return tx.query(
    `SELECT cu.id, cu.workspace_id AS "workspaceId", st.retention_days AS "retentionDays"
     FROM customer cu
     JOIN csat_settings st ON st.workspace_id = cu.workspace_id
     WHERE st.retention_days > 0 AND cu.erased_at IS NULL
       AND cu.created_at < $1::timestamptz - make_interval(days => st.retention_days)
       AND NOT EXISTS (
         SELECT 1 FROM conversation c
         WHERE c.customer_id = cu.id AND c.updated_at >= $1::timestamptz - make_interval(days => st.retention_days))
     ORDER BY cu.workspace_id, cu.id`,
    [now],
  );
}

/** Blanks the comments answered before each workspace's retention period; counts per workspace. */
export async function eraseCommentsPastRetention(
  tx: Queryable,
  now: Date,
): Promise<{ workspaceId: string; retentionDays: number; comments: number }[]> {
  return tx.query(
    `WITH target AS (
      SELECT s.id, st.retention_days
      FROM csat_survey s JOIN csat_settings st ON st.workspace_id = s.workspace_id
      WHERE st.retention_days > 0 AND s.comment IS NOT NULL
        AND s.answered_at < $1::timestamptz - make_interval(days => st.retention_days)
      ORDER BY s.id
      FOR UPDATE OF s
    ), erased AS (
      UPDATE csat_survey s SET comment = NULL FROM target t WHERE s.id = t.id
      RETURNING s.workspace_id, t.retention_days
    )
    SELECT workspace_id AS "workspaceId", retention_days AS "retentionDays", count(*)::int AS comments
    FROM erased GROUP BY 1, 2 ORDER BY 1`,
    [now],
  );
}
