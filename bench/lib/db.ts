import { createHash, randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { applyMigrations } from "../../api/src/db/migrate.js";
import { createTestDatabase } from "../../api/testkit/server.js";

/** The PostgreSQL server the bench runs against; each run makes a database of its own there. */
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));

/** The pg pool size every server under test gets (DATABASE_POOL_SIZE); 10 is the server's own default. */
export const POOL_SIZE = Number(process.env.BENCH_POOL_SIZE ?? 10);

export interface BenchDatabase {
  url: string;
  name: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

/** A fresh database with the project's migrations applied; `drop()` removes it. */
export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const database = await createTestDatabase({ prefix: `hydra_bench_${label}`, adminUrl: PG_ADMIN_URL });
  const { name } = database;
  const url = new URL(database.url);
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await applyMigrations(
    {
      query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
      exec: async (script: string) => void (await client.query(script)),
      release: async () => {},
    },
    MIGRATIONS_DIR,
  );
  await client.end();
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  let dropped = false;
  return {
    url: url.toString(),
    name,
    pool,
    async drop() {
      if (dropped) return;
      dropped = true;
      await pool.end();
      await database.drop();
    },
  };
}

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const md5 = (text: string) => createHash("md5").update(text).digest("hex");
const asUuid = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;

/**
 * Seeded rows get ids and tokens derived from a random per-run seed and their number, the same in
 * SQL (md5) and here, so millions of rows are inserted set-wise and the bench still knows each one.
 */
export interface Seeded {
  seed: string;
  /** The survey token (32 lowercase hex) of dispatched survey `i`. */
  surveyToken(i: number): string;
  conversationId(i: number): string;
  /** The widget's visitor token of conversation `i`. */
  visitorToken(i: number): string;
}

export function seededIds(seed: string): Seeded {
  return {
    seed,
    surveyToken: (i) => md5(`${seed}:tk:${i}`),
    conversationId: (i) => asUuid(md5(`${seed}:cv:${i}`)),
    visitorToken: (i) => `hcv_${md5(`${seed}:vt:${i}`)}`,
  };
}

export interface BenchWorkspace {
  workspaceId: string;
  adminId: string;
  botId: string;
  channelId: string;
  /** An ADMIN's session token, for the inbox's mutations. */
  sessionToken: string;
}

/** A workspace with CSAT on (delay 0 unless given), an admin with a session, one bot and one widget channel. */
export async function seedWorkspace(pool: pg.Pool, name: string, delayMinutes = 0): Promise<BenchWorkspace> {
  const sessionToken = `hcs_${randomBytes(24).toString("base64url")}`;
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    const { rows: [ws] } = await c.query<{ id: string }>(`INSERT INTO workspace (name) VALUES ($1) RETURNING id`, [name]);
    const workspaceId = ws!.id;
    await c.query(`INSERT INTO csat_settings (workspace_id, enabled, delay_minutes, updated_at) VALUES ($1, true, $2, now())`, [workspaceId, delayMinutes]);
    const { rows: [admin] } = await c.query<{ id: string }>(
      `INSERT INTO teammate (workspace_id, email, name, role, password_hash) VALUES ($1, $2, 'Bench Admin', 'ADMIN', 'scrypt$bench') RETURNING id`,
      [workspaceId, `admin-${randomBytes(6).toString("hex")}@bench.test`],
    );
    await c.query(`INSERT INTO session (teammate_id, token_hash, expires_at) VALUES ($1, $2, now() + interval '30 days')`, [admin!.id, sha256(sessionToken)]);
    const { rows: [bot] } = await c.query<{ id: string }>(`INSERT INTO bot (workspace_id, name) VALUES ($1, 'Ava') RETURNING id`, [workspaceId]);
    const { rows: [channel] } = await c.query<{ id: string }>(
      `INSERT INTO channel (workspace_id, name, kind) VALUES ($1, 'Website chat', 'WEB_WIDGET') RETURNING id`,
      [workspaceId],
    );
    await c.query("COMMIT");
    return { workspaceId, adminId: admin!.id, botId: bot!.id, channelId: channel!.id, sessionToken };
  } catch (err) {
    await c.query("ROLLBACK");
    throw err;
  } finally {
    c.release();
  }
}

const CHUNK = 50_000;

/**
 * Conversations `from`..`to` (inclusive) of a workspace, each with its customer (with an email).
 * `resolved` ones get a DISPATCHED survey whose token is `surveyToken(i)`, valid for 30 days;
 * open ones get the visitor token `visitorToken(i)` and wait to be resolved.
 */
export async function seedConversations(
  pool: pg.Pool,
  ws: BenchWorkspace,
  ids: Seeded,
  from: number,
  to: number,
  kind: "open" | "dispatched" | "scheduled",
): Promise<void> {
  for (let lo = from; lo <= to; lo += CHUNK) {
    const hi = Math.min(to, lo + CHUNK - 1);
    const c = await pool.connect();
    try {
      await c.query("BEGIN");
      const p = [ids.seed, ws.workspaceId, lo, hi, ws.botId, ws.channelId];
      await c.query(
        `INSERT INTO customer (id, workspace_id, name, email)
         SELECT md5($1 || ':cu:' || g)::uuid, $2::uuid, 'Bench customer ' || g, 'c' || g || '@bench.test'
         FROM generate_series($3::int, $4::int) g`,
        p.slice(0, 4),
      );
      await c.query(
        `INSERT INTO conversation (id, workspace_id, channel_id, bot_id, customer_id, status, visitor_token_hash,
                                   resolved_at, first_resolved_at, updated_at)
         SELECT md5($1 || ':cv:' || g)::uuid, $2::uuid, $6::uuid, $5::uuid, md5($1 || ':cu:' || g)::uuid,
                CASE WHEN $7 THEN 'OPEN' ELSE 'RESOLVED' END::"ConversationStatus",
                encode(sha256(convert_to('hcv_' || md5($1 || ':vt:' || g), 'UTF8')), 'hex'),
                CASE WHEN $7 THEN NULL ELSE now() END, CASE WHEN $7 THEN NULL ELSE now() END, now()
         FROM generate_series($3::int, $4::int) g`,
        [...p, kind === "open"],
      );
      if (kind === "dispatched") {
        await c.query(
          `INSERT INTO csat_survey (workspace_id, conversation_id, bot_id, channel_id, state, resolved_via, due_at,
                                   dispatched_at, expires_at, token_hash, emailed)
           SELECT $2::uuid, md5($1 || ':cv:' || g)::uuid, $5::uuid, $6::uuid, 'DISPATCHED', 'INBOX', now(), now(),
                  now() + interval '30 days', encode(sha256(convert_to(md5($1 || ':tk:' || g), 'UTF8')), 'hex'), true
           FROM generate_series($3::int, $4::int) g`,
          p,
        );
      } else if (kind === "scheduled") {
        await c.query(
          `INSERT INTO csat_survey (workspace_id, conversation_id, bot_id, channel_id, state, resolved_via, due_at)
           SELECT $2::uuid, md5($1 || ':cv:' || g)::uuid, $5::uuid, $6::uuid, 'SCHEDULED', 'INBOX', now() + interval '1 day'
           FROM generate_series($3::int, $4::int) g`,
          p,
        );
      }
      await c.query("COMMIT");
    } catch (err) {
      await c.query("ROLLBACK");
      throw err;
    } finally {
      c.release();
    }
  }
  await pool.query("ANALYZE");
}
