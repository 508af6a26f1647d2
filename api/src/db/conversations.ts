/** The resolve and reopen statements: they run on the driver, in the caller's transaction. */
import type { ConversationStatus, CsatSkipReason } from "../generated/prisma/enums.js";
import type { Conversation } from "../generated/prisma/client.js";
import type { Queryable } from "./client.js";
import { LANGUAGE_COLUMNS, type LanguageFacts } from "./surveys.js";

/** A conversation locked for a status change, with what creating its survey needs (read in the same statement). */
export interface LockedConversation extends LanguageFacts {
  id: string;
  workspaceId: string;
  botId: string | null;
  channelId: string | null;
  status: ConversationStatus;
  firstResolvedAt: Date | null;
  /** The workspace's CSAT settings; null when never set. */
  csatEnabled: boolean | null;
  csatDelayMinutes: number | null;
  workspaceName: string;
  customerId: string;
  customerEmail: string | null;
  assigneeId: string | null;
  labels: string[];
  /** The survey rules (their defaults when the workspace never saved settings). */
  excludeLabels: string[];
  cooldownDays: number;
  samplePercent: number;
  /** The customer's address is on the workspace's suppression list. */
  emailSuppressed: boolean;
  /** A widget's visitor holds a token for the conversation (so its widget may still ask). */
  hasVisitor: boolean;
}

/** Locks the conversation row (only that row) of the workspace and reads what a resolve needs, in one statement. */
export async function lockConversation(tx: Queryable, workspaceId: string, id: string): Promise<LockedConversation | undefined> {
  const [row] = await tx.query<LockedConversation>(
    `SELECT c.id, c.workspace_id AS "workspaceId", c.bot_id AS "botId", c.channel_id AS "channelId", c.status::text AS status,
            c.first_resolved_at AS "firstResolvedAt", s.enabled AS "csatEnabled", s.delay_minutes AS "csatDelayMinutes",
            w.name AS "workspaceName", cu.id AS "customerId", cu.email AS "customerEmail", c.assignee_id AS "assigneeId",
            coalesce(c.labels, '{}') AS labels, coalesce(s.exclude_labels, '{}') AS "excludeLabels",
            coalesce(s.cooldown_days, 0) AS "cooldownDays", coalesce(s.sample_percent, 100) AS "samplePercent",
            EXISTS (SELECT 1 FROM email_suppression es WHERE es.workspace_id = c.workspace_id AND es.email = lower(cu.email)) AS "emailSuppressed",
            c.visitor_token_hash IS NOT NULL AS "hasVisitor", ${LANGUAGE_COLUMNS}
     FROM conversation c
     JOIN workspace w ON w.id = c.workspace_id
     JOIN customer cu ON cu.id = c.customer_id
     LEFT JOIN csat_settings s ON s.workspace_id = c.workspace_id
     LEFT JOIN LATERAL (SELECT s.default_locale, s.texts, s.reasons, s.reasons_at_or_below) st ON true
     WHERE c.id = $1::uuid AND c.workspace_id = $2::uuid
     FOR UPDATE OF c`,
    [id, workspaceId],
  );
  return row;
}

/**
 * Every column of conversation under its Prisma field name. The key list after it fails the
 * typecheck when the model gains a field, as a reminder to add it here too.
 */
const CONVERSATION_COLUMNS = `id, workspace_id AS "workspaceId", channel_id AS "channelId", bot_id AS "botId", customer_id AS "customerId",
  status::text AS status, visitor_token_hash AS "visitorTokenHash", created_at AS "createdAt", updated_at AS "updatedAt",
  resolved_at AS "resolvedAt", first_resolved_at AS "firstResolvedAt", assignee_id AS "assigneeId", resolved_by_id AS "resolvedById",
  coalesce(labels, '{}') AS labels, csat_skip_reason::text AS "csatSkipReason"`;
const _conversationColumns = {
  id: 1, workspaceId: 1, channelId: 1, botId: 1, customerId: 1, status: 1, visitorTokenHash: 1, createdAt: 1, updatedAt: 1, resolvedAt: 1,
  firstResolvedAt: 1, assigneeId: 1, resolvedById: 1, labels: 1, csatSkipReason: 1,
} satisfies Record<keyof Conversation, 1>;

/**
 * OPEN → RESOLVED by `resolvedById` (null: an API key or MCP); the first resolve's time stays, and
 * the first resolve records why it made no survey (`skipReason`, null when it made one). Returns the
 * conversation as written.
 */
export async function markResolved(
  tx: Queryable,
  id: string,
  now: Date,
  by: { resolvedById: string | null; skipReason?: CsatSkipReason | null },
): Promise<Conversation> {
  const [conversation] = await tx.query<Conversation>(
    `UPDATE conversation SET status = 'RESOLVED', resolved_at = $2, updated_at = $2, first_resolved_at = coalesce(first_resolved_at, $2),
       resolved_by_id = $3::uuid,
       csat_skip_reason = CASE WHEN first_resolved_at IS NULL THEN $4::"CsatSkipReason" ELSE csat_skip_reason END
     WHERE id = $1 RETURNING ${CONVERSATION_COLUMNS}`,
    [id, now, by.resolvedById, by.skipReason ?? null],
  );
  return conversation!;
}

/**
 * A survey to this customer within the cooldown: one made since `since` (scheduled, dispatched or
 * answered) for any conversation of the same customer or of a customer with the same address.
 */
export async function surveyedSince(
  tx: Queryable,
  workspaceId: string,
  customer: { id: string; email: string | null },
  since: Date,
): Promise<boolean> {
  const [row] = await tx.query<{ found: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM customer cu
       JOIN conversation c ON c.customer_id = cu.id
       JOIN csat_survey s ON s.conversation_id = c.id
       WHERE cu.workspace_id = $1::uuid AND (cu.id = $2::uuid OR ($3::text IS NOT NULL AND cu.email = $3::text))
         AND s.state <> 'CANCELLED' AND coalesce(s.dispatched_at, s.created_at) >= $4
     ) AS found`,
    [workspaceId, customer.id, customer.email, since],
  );
  return row!.found;
}

/**
 * Serializes, until the transaction ends, the first resolves of one customer's conversations (by
 * address when it has one, else by customer), so a cooldown lets exactly one of racing resolves make
 * a survey.
 */
export async function lockCustomerForSurvey(tx: Queryable, workspaceId: string, customerKey: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`csat-cooldown:${workspaceId}:${customerKey}`]);
}

/** Changes a conversation's assignee; the assignee before, or undefined when no such conversation. */
export async function updateAssignee(
  tx: Queryable,
  workspaceId: string,
  id: string,
  assigneeId: string | null,
  now: Date,
): Promise<{ before: string | null } | undefined> {
  const [row] = await tx.query<{ before: string | null }>(
    `WITH old AS (SELECT id, assignee_id FROM conversation WHERE id = $1::uuid AND workspace_id = $2::uuid FOR UPDATE)
     UPDATE conversation c SET assignee_id = $3::uuid, updated_at = CASE WHEN old.assignee_id IS DISTINCT FROM $3::uuid THEN $4 ELSE c.updated_at END
     FROM old WHERE c.id = old.id
     RETURNING old.assignee_id AS before`,
    [id, workspaceId, assigneeId, now],
  );
  return row;
}

/** Replaces a conversation's labels; the labels before, or undefined when no such conversation. */
export async function updateLabels(
  tx: Queryable,
  workspaceId: string,
  id: string,
  labels: string[],
  now: Date,
): Promise<{ before: string[] } | undefined> {
  const [row] = await tx.query<{ before: string[] }>(
    `WITH old AS (SELECT id, coalesce(labels, '{}') AS labels FROM conversation WHERE id = $1::uuid AND workspace_id = $2::uuid FOR UPDATE)
     UPDATE conversation c SET labels = $3::text[], updated_at = CASE WHEN old.labels = $3::text[] THEN c.updated_at ELSE $4 END
     FROM old WHERE c.id = old.id
     RETURNING old.labels AS before`,
    [id, workspaceId, labels, now],
  );
  return row;
}

/** One entry of a conversation's history besides messages and status (assignment, labels). */
export interface NewConversationEvent {
  workspaceId: string;
  conversationId: string;
  action: string;
  actorId: string | null;
  apiKeyId: string | null;
  before: unknown;
  after: unknown;
  createdAt: Date;
}

export async function insertConversationEvent(tx: Queryable, event: NewConversationEvent): Promise<void> {
  await tx.query(
    `INSERT INTO conversation_event (workspace_id, conversation_id, action, actor_id, api_key_id, before, after, created_at)
     VALUES ($1::uuid, $2::uuid, $3, $4::uuid, $5::uuid, $6::jsonb, $7::jsonb, $8)`,
    [
      event.workspaceId, event.conversationId, event.action, event.actorId, event.apiKeyId,
      JSON.stringify(event.before), JSON.stringify(event.after), event.createdAt,
    ],
  );
}

/**
 * Resolves in `[from, to)` (by first resolve) that made no survey, counted by why: one range of the
 * (workspace, csat_skip_reason, first_resolved_at) index per reason, no row visited.
 */
export async function countSkipped(
  q: Queryable,
  workspaceId: string,
  window: { from: Date | null; to: Date | null },
): Promise<{ reason: CsatSkipReason; count: number }[]> {
  return q.query<{ reason: CsatSkipReason; count: number }>(
    `SELECT * FROM (
       SELECT r.reason::text AS reason,
              (SELECT count(*)::int FROM conversation c
               WHERE c.workspace_id = $1::uuid AND c.csat_skip_reason = r.reason
                 AND c.first_resolved_at >= $2::timestamptz AND c.first_resolved_at < $3::timestamptz) AS count
       FROM unnest(enum_range(NULL::"CsatSkipReason")) AS r(reason)
     ) AS counted
     WHERE count > 0 ORDER BY count DESC, reason`,
    [workspaceId, window.from ? window.from.toISOString() : "-infinity", window.to ? window.to.toISOString() : "infinity"],
  );
}

/** RESOLVED → OPEN. */
export async function markReopened(tx: Queryable, id: string, now: Date): Promise<void> {
  await tx.query("UPDATE conversation SET status = 'OPEN', resolved_at = NULL, updated_at = $2 WHERE id = $1", [id, now]);
}
