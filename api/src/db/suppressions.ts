import type { Queryable } from "./client.js";

/** Who a survey's unsubscribe link speaks for: its workspace and its customer's address (lower-cased). */
export interface UnsubscribeTarget {
  workspaceId: string;
  workspaceName: string;
  email: string | null;
  /** The language the survey was asked in: the page speaks it too. */
  locale: string;
}

/** The survey whose token hashes to `tokenHash`, as its unsubscribe link sees it; undefined when none. */
export async function findUnsubscribeTarget(db: Queryable, tokenHash: string): Promise<UnsubscribeTarget | undefined> {
  const [row] = await db.query<UnsubscribeTarget>(
    `SELECT s.workspace_id AS "workspaceId", w.name AS "workspaceName", lower(cu.email) AS email, s.locale
     FROM csat_survey s
     JOIN workspace w ON w.id = s.workspace_id
     JOIN conversation c ON c.id = s.conversation_id
     JOIN customer cu ON cu.id = c.customer_id
     WHERE s.token_hash = $1`,
    [tokenHash],
  );
  return row;
}

/**
 * Records that `email` gets no more survey emails from the workspace (once: the key decides), and
 * marks its emails still waiting in the outbox SUPPRESSED. Returns how many waiting emails it stopped.
 */
export async function suppressEmail(db: Queryable, workspaceId: string, email: string, reason: string, now: Date): Promise<number> {
  await db.query(
    `INSERT INTO email_suppression (workspace_id, email, reason, created_at) VALUES ($1::uuid, $2, $3, $4)
     ON CONFLICT (workspace_id, email) DO NOTHING`,
    [workspaceId, email, reason, now],
  );
  const stopped = await db.query<{ id: string }>(
    `UPDATE email_outbox SET state = 'SUPPRESSED', locked_until = NULL
     WHERE workspace_id = $1::uuid AND lower("to") = $2 AND state = 'PENDING'
     RETURNING id`,
    [workspaceId, email],
  );
  return stopped.length;
}

/** SQL true when the outbox row `alias` goes to an address its workspace must not email. */
export const suppressedSql = (alias: string) =>
  `EXISTS (SELECT 1 FROM email_suppression es WHERE es.workspace_id = ${alias}.workspace_id AND es.email = lower(${alias}."to"))`;

export interface Suppression {
  email: string;
  reason: string;
  createdAt: Date;
}

/** The workspace's suppressed addresses, newest first. */
export async function listSuppressions(db: Queryable, workspaceId: string, limit: number): Promise<Suppression[]> {
  return db.query<Suppression>(
    `SELECT email, reason, created_at AS "createdAt" FROM email_suppression WHERE workspace_id = $1::uuid
     ORDER BY created_at DESC, email LIMIT $2`,
    [workspaceId, limit],
  );
}

/** Takes an address off the list; returns what was removed, or null when it was not there. */
export async function removeSuppression(db: Queryable, workspaceId: string, email: string): Promise<Suppression | null> {
  const [row] = await db.query<Suppression>(
    `DELETE FROM email_suppression WHERE workspace_id = $1::uuid AND email = $2 RETURNING email, reason, created_at AS "createdAt"`,
    [workspaceId, email],
  );
  return row ?? null;
}
