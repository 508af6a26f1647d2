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
