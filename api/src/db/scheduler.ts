import type { Queryable } from "./client.js";
import { LANGUAGE_COLUMNS, type LanguageFacts } from "./surveys.js";

/** A survey whose time has come, claimed for dispatch, with what its email needs. */
export interface DueSurveyRow extends LanguageFacts {
  id: string;
  workspaceId: string;
  conversationId: string;
  workspaceName: string;
  email: string | null;
  /** The resolve's request, if one made the survey: the scheduler's line names it as causedBy. */
  requestId: string | null;
}

/**
 * Claims up to `limit` surveys due at `now` (FOR UPDATE SKIP LOCKED: schedulers in several processes
 * share the work), in (workspace, bot, channel) order: each dispatch adds to that key's CSAT tallies,
 * and taking their row locks in one order keeps concurrent batches from deadlocking.
 */
export async function claimDueSurveys(tx: Queryable, now: Date, limit: number): Promise<DueSurveyRow[]> {
  return tx.query<DueSurveyRow>(
    `
    SELECT claimed.id, claimed.workspace_id AS "workspaceId", claimed.conversation_id AS "conversationId",
           w.name AS "workspaceName", cu.email, claimed.request_id AS "requestId", ${LANGUAGE_COLUMNS}
    FROM (
      SELECT id, workspace_id, conversation_id, bot_id, channel_id, request_id FROM csat_survey
      WHERE state = 'SCHEDULED' AND NOT on_hold AND due_at <= $1
      ORDER BY due_at LIMIT $2
      FOR UPDATE SKIP LOCKED
    ) AS claimed
    JOIN workspace w ON w.id = claimed.workspace_id
    JOIN conversation c ON c.id = claimed.conversation_id
    JOIN customer cu ON cu.id = c.customer_id
    LEFT JOIN csat_settings st ON st.workspace_id = claimed.workspace_id
    ORDER BY claimed.workspace_id, coalesce(claimed.bot_id, '00000000-0000-0000-0000-000000000000'),
             coalesce(claimed.channel_id, '00000000-0000-0000-0000-000000000000')`,
    [now, limit],
  );
}
