-- AlterTable
ALTER TABLE "csat_tally" DROP CONSTRAINT "csat_tally_pkey",
ADD COLUMN     "shard" SMALLINT NOT NULL DEFAULT 0,
ADD CONSTRAINT "csat_tally_pkey" PRIMARY KEY ("workspace_id", "grain", "bucket", "bot_id", "channel_id", "shard");



-- Sharded tallies. Every answer and dispatch in a workspace used to add to the same few tally rows
-- (its bot, channel and hour, day and month), so concurrent writers queued on their row locks until
-- each one's commit had reached disk: about 1,700 answers/s per workspace on the bench machine,
-- whatever the number of connections. Now each database session adds to its own shard, 1 to 15
-- (1 + pg_backend_pid() % 15), and the worker folds shards 1–15 into shard 0 every few seconds
-- (csat_tally_compact), so readers, who sum all shards, see few rows. A shard's row may hold a
-- negative or partial change (a survey counted as sent in one shard and answered in another); only
-- the sum over shards is a tally. A row is deleted once all its counts are zero.
CREATE OR REPLACE FUNCTION "csat_tally_apply"() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  changed text := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT n.*, 1 AS sign FROM new_rows n'
    WHEN 'DELETE' THEN 'SELECT o.*, -1 AS sign FROM old_rows o'
    ELSE 'SELECT n.*, 1 AS sign FROM new_rows n UNION ALL SELECT o.*, -1 AS sign FROM old_rows o'
  END;
  my_shard smallint := 1 + pg_backend_pid() % 15;
  emptied_workspace uuid[];
  emptied_grain "CsatTallyGrain"[];
  emptied_bucket timestamptz[];
  emptied_bot uuid[];
  emptied_channel uuid[];
BEGIN
  EXECUTE format($sql$
    WITH delta AS (
      SELECT workspace_id, g.grain, g.bucket,
             coalesce(bot_id, '00000000-0000-0000-0000-000000000000') AS bot_id,
             coalesce(channel_id, '00000000-0000-0000-0000-000000000000') AS channel_id,
             sum(sign)::int AS sent,
             coalesce(sum(sign) FILTER (WHERE answered_at IS NOT NULL), 0)::int AS submitted,
             coalesce(sum(sign * score) FILTER (WHERE answered_at IS NOT NULL), 0)::int AS score_sum,
             coalesce(sum(sign) FILTER (WHERE answered_at IS NOT NULL AND score = 1), 0)::int AS score_1,
             coalesce(sum(sign) FILTER (WHERE answered_at IS NOT NULL AND score = 2), 0)::int AS score_2,
             coalesce(sum(sign) FILTER (WHERE answered_at IS NOT NULL AND score = 3), 0)::int AS score_3,
             coalesce(sum(sign) FILTER (WHERE answered_at IS NOT NULL AND score = 4), 0)::int AS score_4,
             coalesce(sum(sign) FILTER (WHERE answered_at IS NOT NULL AND score = 5), 0)::int AS score_5
      FROM (%s) AS changed
      CROSS JOIN LATERAL (VALUES
        ('HOUR'::"CsatTallyGrain", date_trunc('hour', dispatched_at, 'UTC')),
        ('DAY'::"CsatTallyGrain", date_trunc('day', dispatched_at, 'UTC')),
        ('MONTH'::"CsatTallyGrain", date_trunc('month', dispatched_at, 'UTC'))
      ) AS g(grain, bucket)
      WHERE dispatched_at IS NOT NULL AND state IN ('DISPATCHED', 'SUBMITTED')
      GROUP BY 1, 2, 3, 4, 5
    ), merged AS (
      INSERT INTO "csat_tally" AS t
        (workspace_id, grain, bucket, bot_id, channel_id, sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5, shard)
      SELECT delta.*, $1 FROM delta
      WHERE (sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5) <> (0, 0, 0, 0, 0, 0, 0, 0)
      ORDER BY workspace_id, bot_id, channel_id, grain, bucket
      ON CONFLICT (workspace_id, grain, bucket, bot_id, channel_id, shard) DO UPDATE SET
        sent = t.sent + excluded.sent,
        submitted = t.submitted + excluded.submitted,
        score_sum = t.score_sum + excluded.score_sum,
        score_1 = t.score_1 + excluded.score_1,
        score_2 = t.score_2 + excluded.score_2,
        score_3 = t.score_3 + excluded.score_3,
        score_4 = t.score_4 + excluded.score_4,
        score_5 = t.score_5 + excluded.score_5
      RETURNING t.*
    )
    SELECT array_agg(workspace_id), array_agg(grain), array_agg(bucket), array_agg(bot_id), array_agg(channel_id)
    FROM merged WHERE (sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5) = (0, 0, 0, 0, 0, 0, 0, 0)
  $sql$, changed) USING my_shard INTO emptied_workspace, emptied_grain, emptied_bucket, emptied_bot, emptied_channel;
  IF emptied_workspace IS NOT NULL THEN
    DELETE FROM "csat_tally" t
    USING unnest(emptied_workspace, emptied_grain, emptied_bucket, emptied_bot, emptied_channel)
      AS e(workspace_id, grain, bucket, bot_id, channel_id)
    WHERE (t.workspace_id, t.grain, t.bucket, t.bot_id, t.channel_id, t.shard) = (e.workspace_id, e.grain, e.bucket, e.bot_id, e.channel_id, my_shard)
      AND (t.sent, t.submitted, t.score_sum, t.score_1, t.score_2, t.score_3, t.score_4, t.score_5) = (0, 0, 0, 0, 0, 0, 0, 0);
  END IF;
  RETURN NULL;
END
$fn$;

-- Folds up to p_limit rows of shards 1–15 into shard 0 and returns how many it folded. Rows a
-- writer holds are skipped (SKIP LOCKED) and folded next time; writers never touch shard 0, so
-- folding waits only on another fold, which takes shard 0's rows in the same order.
CREATE FUNCTION "csat_tally_compact"(p_limit int) RETURNS int LANGUAGE plpgsql AS $fn$
DECLARE
  folded int;
  emptied_workspace uuid[];
  emptied_grain "CsatTallyGrain"[];
  emptied_bucket timestamptz[];
  emptied_bot uuid[];
  emptied_channel uuid[];
BEGIN
  WITH picked AS (
    SELECT workspace_id, grain, bucket, bot_id, channel_id, shard FROM "csat_tally"
    WHERE shard <> 0
    LIMIT p_limit
    FOR UPDATE SKIP LOCKED
  ), gone AS (
    DELETE FROM "csat_tally" t USING picked p
    WHERE (t.workspace_id, t.grain, t.bucket, t.bot_id, t.channel_id, t.shard) = (p.workspace_id, p.grain, p.bucket, p.bot_id, p.channel_id, p.shard)
    RETURNING t.*
  ), summed AS (
    SELECT workspace_id, grain, bucket, bot_id, channel_id,
           sum(sent)::int AS sent, sum(submitted)::int AS submitted, sum(score_sum)::int AS score_sum,
           sum(score_1)::int AS score_1, sum(score_2)::int AS score_2, sum(score_3)::int AS score_3,
           sum(score_4)::int AS score_4, sum(score_5)::int AS score_5, count(*)::int AS n
    FROM gone GROUP BY 1, 2, 3, 4, 5
  ), merged AS (
    INSERT INTO "csat_tally" AS t
      (workspace_id, grain, bucket, bot_id, channel_id, sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5, shard)
    SELECT workspace_id, grain, bucket, bot_id, channel_id, sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5, 0
    FROM summed
    ORDER BY workspace_id, bot_id, channel_id, grain, bucket
    ON CONFLICT (workspace_id, grain, bucket, bot_id, channel_id, shard) DO UPDATE SET
      sent = t.sent + excluded.sent,
      submitted = t.submitted + excluded.submitted,
      score_sum = t.score_sum + excluded.score_sum,
      score_1 = t.score_1 + excluded.score_1,
      score_2 = t.score_2 + excluded.score_2,
      score_3 = t.score_3 + excluded.score_3,
      score_4 = t.score_4 + excluded.score_4,
      score_5 = t.score_5 + excluded.score_5
    RETURNING t.*
  )
  SELECT (SELECT coalesce(sum(n), 0)::int FROM summed),
         array_agg(workspace_id), array_agg(grain), array_agg(bucket), array_agg(bot_id), array_agg(channel_id)
  INTO folded, emptied_workspace, emptied_grain, emptied_bucket, emptied_bot, emptied_channel
  FROM merged WHERE (sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5) = (0, 0, 0, 0, 0, 0, 0, 0);
  IF emptied_workspace IS NOT NULL THEN
    DELETE FROM "csat_tally" t
    USING unnest(emptied_workspace, emptied_grain, emptied_bucket, emptied_bot, emptied_channel)
      AS e(workspace_id, grain, bucket, bot_id, channel_id)
    WHERE (t.workspace_id, t.grain, t.bucket, t.bot_id, t.channel_id, t.shard) = (e.workspace_id, e.grain, e.bucket, e.bot_id, e.channel_id, 0)
      AND (t.sent, t.submitted, t.score_sum, t.score_1, t.score_2, t.score_3, t.score_4, t.score_5) = (0, 0, 0, 0, 0, 0, 0, 0);
  END IF;
  RETURN folded;
END
$fn$;
