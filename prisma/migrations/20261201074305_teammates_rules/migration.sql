-- Credit: the tallies gain the teammate credited (csat_survey.teammate_id; the nil UUID for no one)
-- as a key beside bot and channel, so csatReport.byTeammate is read from them, exact for every range.
-- csat_report_tallies returns the teammate too, so it is dropped and created anew (a function's
-- result type cannot be replaced). The cooldown rule finds a customer's other records by address;
-- csatReport.skipped counts skipped first resolves from an index alone.
-- AlterTable
ALTER TABLE "csat_tally" DROP CONSTRAINT "csat_tally_pkey",
ADD COLUMN     "teammate_id" UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
ADD CONSTRAINT "csat_tally_pkey" PRIMARY KEY ("workspace_id", "grain", "bucket", "bot_id", "channel_id", "teammate_id", "shard");

-- CreateIndex
CREATE INDEX "conversation_workspace_id_csat_skip_reason_first_resolved_a_idx" ON "conversation"("workspace_id", "csat_skip_reason", "first_resolved_at");

-- CreateIndex
CREATE INDEX "customer_workspace_id_email_idx" ON "customer"("workspace_id", "email");



DROP FUNCTION "csat_report_tallies"(uuid, int[], text[], timestamptz[], timestamptz[]);

-- prisma/functions/csat_report_tallies.sql
-- What a report reads: the tallies of the buckets that cover its windows, and the partial hours at
-- their ends counted from csat_survey by the triggers rule, summed per period, bot, channel and
-- credited teammate, with the names of the bots, channels and teammates that still exist. The pieces come from coverWindow in
-- the reports service: period 0 is the report window, 1 the one before; grain is HOUR, DAY, MONTH
-- or EXACT; each covers [from, to). Each piece is one index range scan (OFFSET 0 keeps it so). A
-- function, so its plan is made once per connection rather than on every report.
CREATE OR REPLACE FUNCTION "csat_report_tallies"(p_workspace uuid, p_period int[], p_grain text[], p_from timestamptz[], p_to timestamptz[])
RETURNS TABLE (period int, bot_id uuid, bot_name text, channel_id uuid, channel_name text, teammate_id uuid, teammate_name text, sent int, submitted int,
               score_sum int, score_1 int, score_2 int, score_3 int, score_4 int, score_5 int)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
SET max_parallel_workers_per_gather = 0
AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH piece AS (
    SELECT * FROM unnest(p_period, p_grain, p_from, p_to) AS p(period, grain, from_at, to_at)
  ), source AS (
    SELECT p.period, t.*
    FROM piece p
    CROSS JOIN LATERAL (
      SELECT bot_id, channel_id, teammate_id, sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5
      FROM "csat_tally"
      WHERE workspace_id = p_workspace AND grain = p.grain::"CsatTallyGrain" AND bucket >= p.from_at AND bucket < p.to_at
      OFFSET 0
    ) AS t
    WHERE p.grain <> 'EXACT'
    UNION ALL
    SELECT p.period, s.*
    FROM piece p
    CROSS JOIN LATERAL (
      SELECT coalesce(bot_id, '00000000-0000-0000-0000-000000000000'::uuid),
             coalesce(channel_id, '00000000-0000-0000-0000-000000000000'::uuid),
             coalesce(teammate_id, '00000000-0000-0000-0000-000000000000'::uuid),
             1, (answered_at IS NOT NULL)::int, CASE WHEN answered_at IS NOT NULL THEN score ELSE 0 END::int,
             (answered_at IS NOT NULL AND score = 1)::int, (answered_at IS NOT NULL AND score = 2)::int,
             (answered_at IS NOT NULL AND score = 3)::int, (answered_at IS NOT NULL AND score = 4)::int,
             (answered_at IS NOT NULL AND score = 5)::int
      FROM "csat_survey"
      WHERE workspace_id = p_workspace AND dispatched_at >= p.from_at AND dispatched_at < p.to_at
        AND state IN ('DISPATCHED', 'SUBMITTED')
      OFFSET 0
    ) AS s
    WHERE p.grain = 'EXACT'
  )
  SELECT g.period, g.bot_id, b.name, g.channel_id, c.name, g.teammate_id, tm.name,
         g.sent, g.submitted, g.score_sum, g.score_1, g.score_2, g.score_3, g.score_4, g.score_5
  FROM (
    SELECT period, bot_id, channel_id, teammate_id, sum(sent)::int AS sent, sum(submitted)::int AS submitted,
           sum(score_sum)::int AS score_sum, sum(score_1)::int AS score_1, sum(score_2)::int AS score_2,
           sum(score_3)::int AS score_3, sum(score_4)::int AS score_4, sum(score_5)::int AS score_5
    FROM source
    GROUP BY period, bot_id, channel_id, teammate_id
    HAVING sum(sent) > 0
  ) AS g
  LEFT JOIN "bot" b ON b.id = g.bot_id AND b.workspace_id = p_workspace
  LEFT JOIN "channel" c ON c.id = g.channel_id AND c.workspace_id = p_workspace
  LEFT JOIN "teammate" tm ON tm.id = g.teammate_id AND tm.workspace_id = p_workspace;
END
$fn$;


-- prisma/functions/csat_tally_apply.sql
-- The tallies follow csat_survey through statement triggers (csat_tally_insert, _update, _delete on
-- csat_survey): every statement that inserts, updates or deletes surveys adds its net change to the
-- tallies of all three grains (UTC hour, day, month of dispatch), under its bot, channel and credited
-- teammate (the nil UUID for none), in that same statement. A survey counts once dispatched (DISPATCHED or SUBMITTED).
-- Each database session adds to its own shard, 1 + pg_backend_pid() % 15, so writers in one workspace
-- do not queue on one row; only the sum over shards is a tally. Rows are upserted in (workspace, bot,
-- channel, grain, bucket) order so concurrent statements lock in one order; a row whose counts all
-- fall to zero is deleted.
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
  emptied_teammate uuid[];
BEGIN
  EXECUTE format($sql$
    WITH delta AS (
      SELECT workspace_id, g.grain, g.bucket,
             coalesce(bot_id, '00000000-0000-0000-0000-000000000000') AS bot_id,
             coalesce(channel_id, '00000000-0000-0000-0000-000000000000') AS channel_id,
             coalesce(teammate_id, '00000000-0000-0000-0000-000000000000') AS teammate_id,
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
      GROUP BY 1, 2, 3, 4, 5, 6
    ), merged AS (
      INSERT INTO "csat_tally" AS t
        (workspace_id, grain, bucket, bot_id, channel_id, teammate_id, sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5, shard)
      SELECT delta.*, $1 FROM delta
      WHERE (sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5) <> (0, 0, 0, 0, 0, 0, 0, 0)
      ORDER BY workspace_id, bot_id, channel_id, teammate_id, grain, bucket
      ON CONFLICT (workspace_id, grain, bucket, bot_id, channel_id, teammate_id, shard) DO UPDATE SET
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
    SELECT array_agg(workspace_id), array_agg(grain), array_agg(bucket), array_agg(bot_id), array_agg(channel_id), array_agg(teammate_id)
    FROM merged WHERE (sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5) = (0, 0, 0, 0, 0, 0, 0, 0)
  $sql$, changed) USING my_shard INTO emptied_workspace, emptied_grain, emptied_bucket, emptied_bot, emptied_channel, emptied_teammate;
  IF emptied_workspace IS NOT NULL THEN
    DELETE FROM "csat_tally" t
    USING unnest(emptied_workspace, emptied_grain, emptied_bucket, emptied_bot, emptied_channel, emptied_teammate)
      AS e(workspace_id, grain, bucket, bot_id, channel_id, teammate_id)
    WHERE (t.workspace_id, t.grain, t.bucket, t.bot_id, t.channel_id, t.teammate_id, t.shard)
        = (e.workspace_id, e.grain, e.bucket, e.bot_id, e.channel_id, e.teammate_id, my_shard)
      AND (t.sent, t.submitted, t.score_sum, t.score_1, t.score_2, t.score_3, t.score_4, t.score_5) = (0, 0, 0, 0, 0, 0, 0, 0);
  END IF;
  RETURN NULL;
END
$fn$;


-- prisma/functions/csat_tally_compact.sql
-- Folds up to p_limit rows of shards 1–15 into shard 0 and returns how many it folded. Rows a
-- writer holds are skipped (SKIP LOCKED) and folded next time; writers never touch shard 0, so
-- folding waits only on another fold, which takes shard 0 rows in the same order.
CREATE OR REPLACE FUNCTION "csat_tally_compact"(p_limit int) RETURNS int LANGUAGE plpgsql AS $fn$
DECLARE
  folded int;
  emptied_workspace uuid[];
  emptied_grain "CsatTallyGrain"[];
  emptied_bucket timestamptz[];
  emptied_bot uuid[];
  emptied_channel uuid[];
  emptied_teammate uuid[];
BEGIN
  WITH picked AS (
    SELECT workspace_id, grain, bucket, bot_id, channel_id, teammate_id, shard FROM "csat_tally"
    WHERE shard <> 0
    LIMIT p_limit
    FOR UPDATE SKIP LOCKED
  ), gone AS (
    DELETE FROM "csat_tally" t USING picked p
    WHERE (t.workspace_id, t.grain, t.bucket, t.bot_id, t.channel_id, t.teammate_id, t.shard)
        = (p.workspace_id, p.grain, p.bucket, p.bot_id, p.channel_id, p.teammate_id, p.shard)
    RETURNING t.*
  ), summed AS (
    SELECT workspace_id, grain, bucket, bot_id, channel_id, teammate_id,
           sum(sent)::int AS sent, sum(submitted)::int AS submitted, sum(score_sum)::int AS score_sum,
           sum(score_1)::int AS score_1, sum(score_2)::int AS score_2, sum(score_3)::int AS score_3,
           sum(score_4)::int AS score_4, sum(score_5)::int AS score_5, count(*)::int AS n
    FROM gone GROUP BY 1, 2, 3, 4, 5, 6
  ), merged AS (
    INSERT INTO "csat_tally" AS t
      (workspace_id, grain, bucket, bot_id, channel_id, teammate_id, sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5, shard)
    SELECT workspace_id, grain, bucket, bot_id, channel_id, teammate_id, sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5, 0
    FROM summed
    ORDER BY workspace_id, bot_id, channel_id, teammate_id, grain, bucket
    ON CONFLICT (workspace_id, grain, bucket, bot_id, channel_id, teammate_id, shard) DO UPDATE SET
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
         array_agg(workspace_id), array_agg(grain), array_agg(bucket), array_agg(bot_id), array_agg(channel_id), array_agg(teammate_id)
  INTO folded, emptied_workspace, emptied_grain, emptied_bucket, emptied_bot, emptied_channel, emptied_teammate
  FROM merged WHERE (sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5) = (0, 0, 0, 0, 0, 0, 0, 0);
  IF emptied_workspace IS NOT NULL THEN
    DELETE FROM "csat_tally" t
    USING unnest(emptied_workspace, emptied_grain, emptied_bucket, emptied_bot, emptied_channel, emptied_teammate)
      AS e(workspace_id, grain, bucket, bot_id, channel_id, teammate_id)
    WHERE (t.workspace_id, t.grain, t.bucket, t.bot_id, t.channel_id, t.teammate_id, t.shard)
        = (e.workspace_id, e.grain, e.bucket, e.bot_id, e.channel_id, e.teammate_id, 0)
      AND (t.sent, t.submitted, t.score_sum, t.score_1, t.score_2, t.score_3, t.score_4, t.score_5) = (0, 0, 0, 0, 0, 0, 0, 0);
  END IF;
  RETURN folded;
END
$fn$;

-- Surveys credited before this migration (none should be: nothing set teammate_id before it) are
-- counted under the nil teammate: move their counts to their teammate's key, in shard 0.
WITH credited AS (
  SELECT s.workspace_id, g.grain, g.bucket,
         coalesce(s.bot_id, '00000000-0000-0000-0000-000000000000') AS bot_id,
         coalesce(s.channel_id, '00000000-0000-0000-0000-000000000000') AS channel_id,
         s.teammate_id,
         count(*)::int AS sent,
         count(s.answered_at)::int AS submitted,
         coalesce(sum(s.score) FILTER (WHERE s.answered_at IS NOT NULL), 0)::int AS score_sum,
         (count(*) FILTER (WHERE s.answered_at IS NOT NULL AND s.score = 1))::int AS score_1,
         (count(*) FILTER (WHERE s.answered_at IS NOT NULL AND s.score = 2))::int AS score_2,
         (count(*) FILTER (WHERE s.answered_at IS NOT NULL AND s.score = 3))::int AS score_3,
         (count(*) FILTER (WHERE s.answered_at IS NOT NULL AND s.score = 4))::int AS score_4,
         (count(*) FILTER (WHERE s.answered_at IS NOT NULL AND s.score = 5))::int AS score_5
  FROM "csat_survey" s
  CROSS JOIN LATERAL (VALUES
    ('HOUR'::"CsatTallyGrain", date_trunc('hour', s.dispatched_at, 'UTC')),
    ('DAY'::"CsatTallyGrain", date_trunc('day', s.dispatched_at, 'UTC')),
    ('MONTH'::"CsatTallyGrain", date_trunc('month', s.dispatched_at, 'UTC'))
  ) AS g(grain, bucket)
  WHERE s.teammate_id IS NOT NULL AND s.dispatched_at IS NOT NULL AND s.state IN ('DISPATCHED', 'SUBMITTED')
  GROUP BY 1, 2, 3, 4, 5, 6
), delta AS (
  SELECT workspace_id, grain, bucket, bot_id, channel_id, teammate_id, sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5
  FROM credited
  UNION ALL
  SELECT workspace_id, grain, bucket, bot_id, channel_id, '00000000-0000-0000-0000-000000000000',
         -sum(sent), -sum(submitted), -sum(score_sum), -sum(score_1), -sum(score_2), -sum(score_3), -sum(score_4), -sum(score_5)
  FROM credited GROUP BY 1, 2, 3, 4, 5
)
INSERT INTO "csat_tally" AS t
  (workspace_id, grain, bucket, bot_id, channel_id, teammate_id, sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5, shard)
SELECT delta.*, 0 FROM delta
ON CONFLICT (workspace_id, grain, bucket, bot_id, channel_id, teammate_id, shard) DO UPDATE SET
  sent = t.sent + excluded.sent,
  submitted = t.submitted + excluded.submitted,
  score_sum = t.score_sum + excluded.score_sum,
  score_1 = t.score_1 + excluded.score_1,
  score_2 = t.score_2 + excluded.score_2,
  score_3 = t.score_3 + excluded.score_3,
  score_4 = t.score_4 + excluded.score_4,
  score_5 = t.score_5 + excluded.score_5;
