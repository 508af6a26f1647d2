// What the baselines do, written once with plain pg: the same statements a careful hand-written
// server would send, on the same tables as Hydra. Validation mirrors the product's (token shape,
// score 1–5, comment length), so the baselines refuse what Hydra refuses.
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import { renderSurveyEmail } from "../../api/src/services/email.js";

const TOKEN = /^[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The built-in English wording, as the server sends it. */
const WORDING = { locale: "en" as const, question: "How was your experience?", thankYou: "Thank you for your feedback!" };
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

export function openPool(): pg.Pool {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
  pool.on("error", () => {});
  return pool;
}

export type Outcome = "ACCEPTED" | "ALREADY_SUBMITTED" | "EXPIRED" | "NOT_FOUND";

export class BadInput extends Error {}

/** The compare-and-set: one UPDATE decides; only a refused answer reads the row to say why. */
export async function submitAnswer(
  pool: pg.Pool,
  input: { token: unknown; score: unknown; comment?: unknown },
  via: "WIDGET" | "API",
): Promise<{ outcome: Outcome; survey: { score: number | null; comment: string | null; workspaceName: string } | null }> {
  const { token, score, comment } = input;
  if (typeof token !== "string") throw new BadInput("token must be a string");
  if (typeof score !== "number" || !Number.isInteger(score) || score < 1 || score > 5) {
    throw new BadInput("score must be a whole number from 1 to 5");
  }
  if (comment !== undefined && comment !== null && (typeof comment !== "string" || [...comment].length > 2000)) {
    throw new BadInput("comment must be text of at most 2000 characters");
  }
  if (!TOKEN.test(token)) return { outcome: "NOT_FOUND", survey: null };
  const hash = sha256(token);
  const { rows } = await pool.query<{ score: number; comment: string | null; workspace_name: string }>(
    `UPDATE csat_survey s SET state = 'SUBMITTED', score = $2, comment = $3, answered_at = now(), answered_via = $4
     WHERE token_hash = $1 AND state = 'DISPATCHED' AND answered_at IS NULL AND expires_at > now()
     RETURNING score, comment, (SELECT name FROM workspace w WHERE w.id = s.workspace_id) AS workspace_name`,
    [hash, score, comment || null, via],
  );
  const row = rows[0];
  if (row) return { outcome: "ACCEPTED", survey: { score: row.score, comment: row.comment, workspaceName: row.workspace_name } };
  const { rows: found } = await pool.query<{ answered_at: Date | null; score: number | null; comment: string | null; name: string }>(
    `SELECT s.answered_at, s.score, s.comment, w.name FROM csat_survey s JOIN workspace w ON w.id = s.workspace_id WHERE s.token_hash = $1`,
    [hash],
  );
  const f = found[0];
  if (!f) return { outcome: "NOT_FOUND", survey: null };
  return {
    outcome: f.answered_at ? "ALREADY_SUBMITTED" : "EXPIRED",
    survey: { score: f.score, comment: f.comment, workspaceName: f.name },
  };
}

/** A teammate's session token → their workspace; null when unknown, expired or revoked. */
export async function authenticate(pool: pg.Pool, authorization: string | undefined | null): Promise<string | null> {
  const secret = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
  if (!secret?.startsWith("hcs_")) return null;
  const { rows } = await pool.query<{ workspace_id: string }>(
    `SELECT t.workspace_id FROM session s JOIN teammate t ON t.id = s.teammate_id
     WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()`,
    [sha256(secret)],
  );
  return rows[0]?.workspace_id ?? null;
}

export interface ResolvedConversation {
  id: string;
  status: string;
  resolvedAt: Date | null;
  updatedAt: Date;
  csatSurvey: Record<string, unknown> | null;
}

const SURVEY_COLUMNS = `id, state, due_at AS "dueAt", dispatched_at AS "dispatchedAt", expires_at AS "expiresAt",
  delivered_to_widget AS "deliveredToWidget", emailed, score, comment, answered_at AS "answeredAt",
  answered_via AS "answeredVia", resolved_via AS "resolvedVia"`;

/**
 * OPEN→RESOLVED under a row lock; on the first resolve with CSAT on, the survey row (dispatched at
 * once with delay 0, its token hashed, its email in the outbox). Returns the conversation as the
 * inbox shows it, or null when there is no such conversation in the workspace.
 */
export async function resolveConversation(pool: pg.Pool, workspaceId: string, id: string, via: "INBOX" | "API"): Promise<ResolvedConversation | null> {
  if (!UUID.test(id)) return null;
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const { rows } = await client.query<{
      status: string; first_resolved_at: Date | null; resolved_at: Date | null; updated_at: Date; bot_id: string | null;
      channel_id: string | null; email: string | null; enabled: boolean | null; delay_minutes: number | null; workspace_name: string;
    }>(
      `SELECT c.status, c.first_resolved_at, c.resolved_at, c.updated_at, c.bot_id, c.channel_id, cu.email,
              st.enabled, st.delay_minutes, w.name AS workspace_name
       FROM conversation c JOIN customer cu ON cu.id = c.customer_id JOIN workspace w ON w.id = c.workspace_id
       LEFT JOIN csat_settings st ON st.workspace_id = c.workspace_id
       WHERE c.id = $1 AND c.workspace_id = $2 FOR UPDATE OF c`,
      [id, workspaceId],
    );
    const row = rows[0];
    if (!row) {
      await client.query("ROLLBACK");
      return null;
    }
    if (row.status === "RESOLVED") {
      const { rows: s } = await client.query(`SELECT ${SURVEY_COLUMNS} FROM csat_survey WHERE conversation_id = $1`, [id]);
      await client.query("COMMIT");
      return { id, status: row.status, resolvedAt: row.resolved_at, updatedAt: row.updated_at, csatSurvey: s[0] ?? null };
    }
    const now = new Date();
    // The statements Hydra sends: the update returning the row, then the survey and its email in one.
    const { rows: updated } = await client.query<{ resolved_at: Date; updated_at: Date }>(
      `UPDATE conversation SET status = 'RESOLVED', resolved_at = $2, updated_at = $2, first_resolved_at = coalesce(first_resolved_at, $2)
       WHERE id = $1 RETURNING resolved_at, updated_at`,
      [id, now],
    );
    let survey: Record<string, unknown> | null = null;
    if (row.first_resolved_at === null && row.enabled) {
      const delay = row.delay_minutes ?? 0;
      const dueAt = new Date(now.getTime() + delay * 60_000);
      const token = delay === 0 ? randomBytes(16).toString("hex") : null;
      const email = token && row.email
        ? renderSurveyEmail({ workspaceName: row.workspace_name, publicUrl: "http://localhost", token, wording: WORDING, expiresAt: new Date(now.getTime() + 30 * 86_400_000) })
        : null;
      const { rows: inserted } = await client.query(
        `WITH survey AS (
           INSERT INTO csat_survey (workspace_id, conversation_id, bot_id, channel_id, state, resolved_via, due_at, created_at,
                                    dispatched_at, expires_at, token_hash, emailed)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT (conversation_id) DO NOTHING RETURNING *
         ), outbox AS (
           INSERT INTO email_outbox (workspace_id, survey_id, "to", subject, html, text, state, created_at, next_attempt_at)
           SELECT workspace_id, id, $13, $14, $15, $16, 'RECORDED', $8, $8 FROM survey WHERE $12
         )
         SELECT ${SURVEY_COLUMNS} FROM survey`,
        [
          workspaceId, id, row.bot_id, row.channel_id, token ? "DISPATCHED" : "SCHEDULED", via, dueAt, now,
          token ? now : null, token ? new Date(now.getTime() + 30 * 86_400_000) : null, token ? sha256(token) : null,
          email !== null, row.email, email?.subject ?? null, email?.html ?? null, email?.text ?? null,
        ],
      );
      survey = inserted[0] ?? null;
    }
    await client.query("COMMIT");
    return { id, status: "RESOLVED", resolvedAt: updated[0]!.resolved_at, updatedAt: updated[0]!.updated_at, csatSurvey: survey };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
