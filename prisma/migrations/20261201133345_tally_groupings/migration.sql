-- The tallies in two groupings rather than one key of bot x channel x teammate: a report read
-- bots x channels x teammates rows a bucket (216 in the bench's workspaces, 1.67 M rows for 2 M
-- surveys), where totals, byBot and byChannel need bot x channel and byTeammate needs teammate alone.
-- Each survey now counts under (bot, channel, every teammate) and under (every bot, every channel,
-- teammate), "every" being the max UUID; see prisma/functions/csat_tally_apply.sql.
-- The existing rows are replaced by their two projections in one statement, shard by shard (the
-- sums over shards stay the tallies); the new keys all hold the max UUID, the old ones never do.
-- They are written in the primary key's order, so each bucket's rows sit side by side as reports read
-- them (a report over 90 days reads some 7,000 rows; scattered one a page, they took 1.7x as long).
-- SHARE on csat_survey waits for statements already writing surveys (whose triggers still use the old
-- keys) and holds new ones until this commits, when they take the new csat_tally_apply below.
LOCK TABLE "csat_survey" IN SHARE MODE;
WITH old AS (
  DELETE FROM "csat_tally" RETURNING *
), grouped AS (
  SELECT workspace_id, grain, bucket, bot_id, channel_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid AS teammate_id, shard,
         sum(sent)::int AS sent, sum(submitted)::int AS submitted, sum(score_sum)::int AS score_sum,
         sum(score_1)::int AS score_1, sum(score_2)::int AS score_2, sum(score_3)::int AS score_3,
         sum(score_4)::int AS score_4, sum(score_5)::int AS score_5
  FROM old GROUP BY workspace_id, grain, bucket, bot_id, channel_id, shard
  UNION ALL
  SELECT workspace_id, grain, bucket, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid, teammate_id, shard,
         sum(sent)::int, sum(submitted)::int, sum(score_sum)::int,
         sum(score_1)::int, sum(score_2)::int, sum(score_3)::int,
         sum(score_4)::int, sum(score_5)::int
  FROM old GROUP BY workspace_id, grain, bucket, teammate_id, shard
)
INSERT INTO "csat_tally" (workspace_id, grain, bucket, bot_id, channel_id, teammate_id, shard, sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5)
SELECT * FROM grouped
WHERE (sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5) <> (0, 0, 0, 0, 0, 0, 0, 0)
ORDER BY workspace_id, grain, bucket, bot_id, channel_id, teammate_id, shard;


-- prisma/functions/csat_report_tallies.sql
-- What a report reads: the tallies of the buckets that cover its windows, and the partial hours at
-- their ends counted from csat_survey by the triggers' rule, summed per period and key, with the
-- names of the bots, channels and teammates that still exist. A key is one of the tallies' two
-- groupings (see csat_tally_apply): bot x channel with teammate = the max UUID, or teammate with
-- bot = channel = the max UUID. The pieces come from coverWindow in the reports service: period 0
-- is the report window, 1 the one before; grain is HOUR, DAY, MONTH or EXACT; each covers
-- [from, to). Each piece is one index range scan (OFFSET 0 keeps it so). A function, so its plan is
-- made once per connection rather than on every report.
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
      SELECT k.bot_id, k.channel_id, k.teammate_id,
             1, (sv.answered_at IS NOT NULL)::int, CASE WHEN sv.answered_at IS NOT NULL THEN sv.score ELSE 0 END::int,
             (sv.answered_at IS NOT NULL AND sv.score = 1)::int, (sv.answered_at IS NOT NULL AND sv.score = 2)::int,
             (sv.answered_at IS NOT NULL AND sv.score = 3)::int, (sv.answered_at IS NOT NULL AND sv.score = 4)::int,
             (sv.answered_at IS NOT NULL AND sv.score = 5)::int
      FROM (
        SELECT * FROM "csat_survey"
        WHERE workspace_id = p_workspace AND dispatched_at >= p.from_at AND dispatched_at < p.to_at
          AND state IN ('DISPATCHED', 'SUBMITTED')
        OFFSET 0
      ) AS sv
      CROSS JOIN LATERAL (VALUES
        (coalesce(sv.bot_id, '00000000-0000-0000-0000-000000000000'::uuid), coalesce(sv.channel_id, '00000000-0000-0000-0000-000000000000'::uuid),
         'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid),
        ('ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid,
         coalesce(sv.teammate_id, '00000000-0000-0000-0000-000000000000'::uuid))
      ) AS k(bot_id, channel_id, teammate_id)
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
-- tallies of all three grains (UTC hour, day, month of dispatch), in that same statement, twice: once
-- under its bot and channel (teammate = the max UUID, "every teammate"), and once under its credited
-- teammate (bot = channel = the max UUID). Totals, byBot and byChannel read the first grouping,
-- byTeammate the second; a key for bot x channel x teammate would multiply the rows a report reads by
-- the number of teammates. The nil UUID stands for no bot, channel or teammate. A survey counts once
-- dispatched (DISPATCHED or SUBMITTED).
-- Each database session adds to its own shard, 1 + pg_backend_pid() % 15, so writers in one workspace
-- do not queue on one row; only the sum over shards is a tally. Rows are upserted in the primary
-- key's order (workspace, grain, bucket, ...) so concurrent statements lock in one order, and a
-- statement that adds many buckets writes each bucket's rows side by side, as reports read them. A
-- row whose counts all fall to zero is deleted.
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
      SELECT workspace_id, g.grain, g.bucket, k.bot_id, k.channel_id, k.teammate_id,
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
      CROSS JOIN LATERAL (VALUES
        (coalesce(bot_id, '00000000-0000-0000-0000-000000000000'), coalesce(channel_id, '00000000-0000-0000-0000-000000000000'),
         'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid),
        ('ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid,
         coalesce(teammate_id, '00000000-0000-0000-0000-000000000000'))
      ) AS k(bot_id, channel_id, teammate_id)
      WHERE dispatched_at IS NOT NULL AND state IN ('DISPATCHED', 'SUBMITTED')
      GROUP BY 1, 2, 3, 4, 5, 6
    ), merged AS (
      INSERT INTO "csat_tally" AS t
        (workspace_id, grain, bucket, bot_id, channel_id, teammate_id, sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5, shard)
      SELECT delta.*, $1 FROM delta
      WHERE (sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5) <> (0, 0, 0, 0, 0, 0, 0, 0)
      ORDER BY workspace_id, grain, bucket, bot_id, channel_id, teammate_id
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
