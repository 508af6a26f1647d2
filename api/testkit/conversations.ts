import type { Queryable } from "../src/db/client.js";

/** Topics the seeded first messages are about, one per conversation in turn. */
export const SEED_TOPICS = ["billing", "shipping", "refund", "login", "invoice"] as const;

/**
 * Seeds `count` open conversations in one statement per batch (generate_series): conversation i
 * (1-based) has customer "Customer i" <customer-i@example.test> and one message "Question i about
 * <topic>", and was updated `i` minutes before `newest`, so conversation 1 is the most recent.
 * Returns nothing: the tests read what they need back. Fast enough for a million (the bench).
 */
export async function seedConversations(
  db: Queryable,
  options: { workspaceId: string; channelId: string | null; botId: string | null; count: number; newest: Date; from?: number; batch?: number },
): Promise<void> {
  const from = options.from ?? 1;
  const batch = options.batch ?? 50_000;
  for (let start = from; start < from + options.count; start += batch) {
    const end = Math.min(start + batch, from + options.count) - 1;
    await db.query(
      `WITH s AS (
         SELECT i, gen_random_uuid() AS customer_id, gen_random_uuid() AS conversation_id,
                $5::timestamptz - make_interval(mins => i) AS at
         FROM generate_series($6::int, $7::int) i),
       customers AS (
         INSERT INTO customer (id, workspace_id, name, email, created_at)
         SELECT customer_id, $1::uuid, 'Customer ' || i, 'customer-' || i || '@example.test', at FROM s),
       conversations AS (
         INSERT INTO conversation (id, workspace_id, channel_id, bot_id, customer_id, status, created_at, updated_at)
         SELECT conversation_id, $1::uuid, $2::uuid, $3::uuid, customer_id, 'OPEN', at, at FROM s)
       INSERT INTO message (workspace_id, conversation_id, body, from_customer, created_at)
       SELECT $1::uuid, conversation_id, 'Question ' || i || ' about ' || ($4::text[])[1 + i % ${SEED_TOPICS.length}], true, at FROM s`,
      [options.workspaceId, options.channelId, options.botId, SEED_TOPICS, options.newest, start, end],
    );
  }
}
