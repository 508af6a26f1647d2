-- CreateEnum
CREATE TYPE "CsatTallyGrain" AS ENUM ('HOUR', 'DAY', 'MONTH');

-- DropIndex
DROP INDEX "csat_survey_workspace_id_answered_at_idx";

-- CreateTable
CREATE TABLE "csat_tally" (
    "workspace_id" UUID NOT NULL,
    "grain" "CsatTallyGrain" NOT NULL,
    "bucket" TIMESTAMPTZ(3) NOT NULL,
    "bot_id" UUID NOT NULL,
    "channel_id" UUID NOT NULL,
    "sent" INTEGER NOT NULL,
    "submitted" INTEGER NOT NULL,
    "score_sum" INTEGER NOT NULL,
    "score_1" INTEGER NOT NULL,
    "score_2" INTEGER NOT NULL,
    "score_3" INTEGER NOT NULL,
    "score_4" INTEGER NOT NULL,
    "score_5" INTEGER NOT NULL,

    CONSTRAINT "csat_tally_pkey" PRIMARY KEY ("workspace_id","grain","bucket","bot_id","channel_id")
);

-- CreateIndex
CREATE INDEX "csat_survey_workspace_id_answered_at_dispatched_at_idx" ON "csat_survey"("workspace_id", "answered_at" DESC, "dispatched_at");


-- The tallies follow csat_survey through statement triggers: every statement that inserts,
-- updates or deletes surveys adds its net change to the tallies of all three grains, in that same
-- statement. A survey counts once dispatched (DISPATCHED or SUBMITTED), in the UTC hour, day and
-- month of its dispatch, under its bot and its channel (the nil UUID for none). Deleting a bot or
-- channel sets its surveys' link to null (ON DELETE SET NULL is an UPDATE like any other), so its
-- tallies move to the nil key within the deleting transaction. Tallies that fall to zero are
-- deleted. Rows are upserted in (workspace, bot, channel, grain, bucket) order, so concurrent
-- statements lock them in one order; a transaction that dispatches several surveys (the
-- scheduler) dispatches them in (workspace, bot, channel) order for the same reason.
CREATE FUNCTION "csat_tally_apply"() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  changed text := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT n.*, 1 AS sign FROM new_rows n'
    WHEN 'DELETE' THEN 'SELECT o.*, -1 AS sign FROM old_rows o'
    ELSE 'SELECT n.*, 1 AS sign FROM new_rows n UNION ALL SELECT o.*, -1 AS sign FROM old_rows o'
  END;
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
        (workspace_id, grain, bucket, bot_id, channel_id, sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5)
      SELECT * FROM delta
      WHERE (sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5) <> (0, 0, 0, 0, 0, 0, 0, 0)
      ORDER BY workspace_id, bot_id, channel_id, grain, bucket
      ON CONFLICT (workspace_id, grain, bucket, bot_id, channel_id) DO UPDATE SET
        sent = t.sent + excluded.sent,
        submitted = t.submitted + excluded.submitted,
        score_sum = t.score_sum + excluded.score_sum,
        score_1 = t.score_1 + excluded.score_1,
        score_2 = t.score_2 + excluded.score_2,
        score_3 = t.score_3 + excluded.score_3,
        score_4 = t.score_4 + excluded.score_4,
        score_5 = t.score_5 + excluded.score_5
      RETURNING t.workspace_id, t.grain, t.bucket, t.bot_id, t.channel_id, t.sent
    )
    SELECT array_agg(workspace_id), array_agg(grain), array_agg(bucket), array_agg(bot_id), array_agg(channel_id)
    FROM merged WHERE sent = 0
  $sql$, changed) INTO emptied_workspace, emptied_grain, emptied_bucket, emptied_bot, emptied_channel;
  IF emptied_workspace IS NOT NULL THEN
    DELETE FROM "csat_tally" t
    USING unnest(emptied_workspace, emptied_grain, emptied_bucket, emptied_bot, emptied_channel)
      AS e(workspace_id, grain, bucket, bot_id, channel_id)
    WHERE (t.workspace_id, t.grain, t.bucket, t.bot_id, t.channel_id) = (e.workspace_id, e.grain, e.bucket, e.bot_id, e.channel_id)
      AND t.sent = 0;
  END IF;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER "csat_tally_insert" AFTER INSERT ON "csat_survey"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "csat_tally_apply"();
CREATE TRIGGER "csat_tally_update" AFTER UPDATE ON "csat_survey"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "csat_tally_apply"();
CREATE TRIGGER "csat_tally_delete" AFTER DELETE ON "csat_survey"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "csat_tally_apply"();

-- What a report reads: the tallies of the buckets that cover its windows, and the partial hours at
-- their ends counted from csat_survey by the triggers' rule, summed per period, bot and channel,
-- with the names of the bots and channels that still exist. The pieces come from coverWindow in
-- api/src/services/reports.ts: period 0 is the report's window, 1 the one before; grain is HOUR,
-- DAY, MONTH or EXACT; each covers [from, to). Each piece is one index range scan (OFFSET 0 keeps
-- it so). A function, so its plan is made once per connection rather than on every report.
CREATE FUNCTION "csat_report_tallies"(p_workspace uuid, p_period int[], p_grain text[], p_from timestamptz[], p_to timestamptz[])
RETURNS TABLE (period int, bot_id uuid, bot_name text, channel_id uuid, channel_name text, sent int, submitted int,
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
      SELECT bot_id, channel_id, sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5
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
  SELECT g.period, g.bot_id, b.name, g.channel_id, c.name,
         g.sent, g.submitted, g.score_sum, g.score_1, g.score_2, g.score_3, g.score_4, g.score_5
  FROM (
    SELECT period, bot_id, channel_id, sum(sent)::int AS sent, sum(submitted)::int AS submitted,
           sum(score_sum)::int AS score_sum, sum(score_1)::int AS score_1, sum(score_2)::int AS score_2,
           sum(score_3)::int AS score_3, sum(score_4)::int AS score_4, sum(score_5)::int AS score_5
    FROM source
    GROUP BY period, bot_id, channel_id
    HAVING sum(sent) > 0
  ) AS g
  LEFT JOIN "bot" b ON b.id = g.bot_id AND b.workspace_id = p_workspace
  LEFT JOIN "channel" c ON c.id = g.channel_id AND c.workspace_id = p_workspace;
END
$fn$;

-- Backfill the surveys already there. The triggers above already hold csat_survey against
-- writers until this migration commits, so no survey is missed or counted twice.
INSERT INTO "csat_tally"
  (workspace_id, grain, bucket, bot_id, channel_id, sent, submitted, score_sum, score_1, score_2, score_3, score_4, score_5)
SELECT s.workspace_id, g.grain, g.bucket,
       coalesce(s.bot_id, '00000000-0000-0000-0000-000000000000'),
       coalesce(s.channel_id, '00000000-0000-0000-0000-000000000000'),
       count(*),
       count(s.answered_at),
       coalesce(sum(s.score) FILTER (WHERE s.answered_at IS NOT NULL), 0),
       count(*) FILTER (WHERE s.answered_at IS NOT NULL AND s.score = 1),
       count(*) FILTER (WHERE s.answered_at IS NOT NULL AND s.score = 2),
       count(*) FILTER (WHERE s.answered_at IS NOT NULL AND s.score = 3),
       count(*) FILTER (WHERE s.answered_at IS NOT NULL AND s.score = 4),
       count(*) FILTER (WHERE s.answered_at IS NOT NULL AND s.score = 5)
FROM "csat_survey" s
CROSS JOIN LATERAL (VALUES
  ('HOUR'::"CsatTallyGrain", date_trunc('hour', s.dispatched_at, 'UTC')),
  ('DAY'::"CsatTallyGrain", date_trunc('day', s.dispatched_at, 'UTC')),
  ('MONTH'::"CsatTallyGrain", date_trunc('month', s.dispatched_at, 'UTC'))
) AS g(grain, bucket)
WHERE s.dispatched_at IS NOT NULL AND s.state IN ('DISPATCHED', 'SUBMITTED')
GROUP BY 1, 2, 3, 4, 5;
