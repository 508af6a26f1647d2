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
