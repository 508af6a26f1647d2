// What the baselines do, written once with plain pg: the statements Hydra sends, on the same tables.
// The writes call Hydra's own statement functions (api/src/db) over a bare pg client, so the
// baselines' SQL is Hydra's by construction: a feature that makes a statement heavier (follow-ups,
// webhook events, rules) weighs on both sides, and the ratios measure the server around the SQL.
// Validation mirrors the product's (token shape, score 1–5, comment length), so the baselines
// refuse what Hydra refuses.
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import type { Queryable } from "../../api/src/db/client.js";
import { lockConversation, markResolved } from "../../api/src/db/conversations.js";
import { answerSurvey, insertDispatchedSurvey } from "../../api/src/db/surveys.js";
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

/** Hydra's statement functions take a Queryable: a pool or one client, rows out. */
const onPool = (pool: pg.Pool): Queryable => ({ query: async <T>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as T[] });
const onClient = (client: pg.PoolClient): Queryable => ({ query: async <T>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as T[] });

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
  // Hydra's answer statement: the compare-and-set, its webhook events and its follow-up in one.
  const row = await answerSurvey(onPool(pool), { tokenHash: hash, score, comment: (comment as string | null | undefined) || null, answeredAt: new Date(), via, reason: null, requestId: null });
  if (row) return { outcome: "ACCEPTED", survey: { score: row.score, comment: row.comment, workspaceName: row.workspaceName } };
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
  const tx = onClient(client);
  try {
    await client.query("BEGIN");
    const row = await lockConversation(tx, workspaceId, id);
    if (!row) {
      await client.query("ROLLBACK");
      return null;
    }
    if (row.status === "RESOLVED") {
      const { rows: c } = await client.query<{ resolved_at: Date | null; updated_at: Date }>(`SELECT resolved_at, updated_at FROM conversation WHERE id = $1`, [id]);
      const { rows: s } = await client.query(`SELECT ${SURVEY_COLUMNS} FROM csat_survey WHERE conversation_id = $1`, [id]);
      await client.query("COMMIT");
      return { id, status: row.status, resolvedAt: c[0]!.resolved_at, updatedAt: c[0]!.updated_at, csatSurvey: s[0] ?? null };
    }
    const now = new Date();
    // The statements Hydra sends: the update returning the row, then the survey and its email in one.
    const updated = await markResolved(tx, id, now, { resolvedById: null, skipReason: row.csatEnabled ? null : "CSAT_OFF" });
    let survey: Record<string, unknown> | null = null;
    // The bench's workspaces ask at once (delay 0): the survey is born dispatched, its email beside it.
    if (row.firstResolvedAt === null && row.csatEnabled && (row.csatDelayMinutes ?? 0) === 0) {
      const token = randomBytes(16).toString("hex");
      const expiresAt = new Date(now.getTime() + 30 * 86_400_000);
      const email = row.customerEmail
        ? { to: row.customerEmail, ...renderSurveyEmail({ workspaceName: row.workspaceName, publicUrl: "http://localhost", token, wording: WORDING, expiresAt }) }
        : null;
      survey = ((await insertDispatchedSurvey(
        tx,
        { workspaceId, conversationId: id, botId: row.botId, channelId: row.channelId, resolvedVia: via, requestId: null },
        { tokenHash: sha256(token), expiresAt, deliveredToWidget: false, email, emailState: "RECORDED", teammateId: row.assigneeId, locale: "en" },
        now,
      )) ?? null) as Record<string, unknown> | null;
    }
    await client.query("COMMIT");
    return { id, status: "RESOLVED", resolvedAt: updated.resolvedAt, updatedAt: updated.updatedAt, csatSurvey: survey };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
