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
