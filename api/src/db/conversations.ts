/** The resolve and reopen statements: they run on the driver, in the caller's transaction. */
import type { ConversationStatus } from "../generated/prisma/enums.js";
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
  customerEmail: string | null;
}

/** Locks the conversation row (only that row) of the workspace and reads what a resolve needs, in one statement. */
export async function lockConversation(tx: Queryable, workspaceId: string, id: string): Promise<LockedConversation | undefined> {
  const [row] = await tx.query<LockedConversation>(
    `SELECT c.id, c.workspace_id AS "workspaceId", c.bot_id AS "botId", c.channel_id AS "channelId", c.status::text AS status,
            c.first_resolved_at AS "firstResolvedAt", s.enabled AS "csatEnabled", s.delay_minutes AS "csatDelayMinutes",
            w.name AS "workspaceName", cu.email AS "customerEmail", ${LANGUAGE_COLUMNS}
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

/** OPEN → RESOLVED; the first resolve's time stays. Returns the conversation as written. */
export async function markResolved(tx: Queryable, id: string, now: Date): Promise<Conversation> {
  const [conversation] = await tx.query<Conversation>(
    `UPDATE conversation SET status = 'RESOLVED', resolved_at = $2, updated_at = $2, first_resolved_at = coalesce(first_resolved_at, $2)
     WHERE id = $1 RETURNING ${CONVERSATION_COLUMNS}`,
    [id, now],
  );
  return conversation!;
}

/** RESOLVED → OPEN. */
export async function markReopened(tx: Queryable, id: string, now: Date): Promise<void> {
  await tx.query("UPDATE conversation SET status = 'OPEN', resolved_at = NULL, updated_at = $2 WHERE id = $1", [id, now]);
}
