import { useRef } from "react";
import { useQuery } from "urql";
import { graphql } from "../../gql";
import { trendBuckets, trendPlan, type TrendBucket, type TrendUnit } from "../../lib/trend";

const CsatTrendQuery = graphql(`
  query CsatTrend($unit: CsatTrendUnit!, $count: Int!) {
    csatTrend(unit: $unit, count: $count) {
      from
      to
      totals {
        sent
        submitted
        averageRating
      }
    }
  }
`);

export interface CsatTrend {
  unit: TrendUnit;
  /** The buckets to draw; while another range loads, the last ones drawn (see `stale`). */
  points: TrendBucket[] | null;
  /** The points are those of an earlier request (the new one is loading, or failed). */
  stale: boolean;
  error: boolean;
  refresh(): void;
}

/** The report's trend: `csatTrend`, one query (the API reads one tally bucket per day or month). */
export function useCsatTrend(range: string, window: { from?: string | null; to?: string | null }): CsatTrend {
  const plan = trendPlan(range, window);
  const variables = plan.request;
  const [{ data, error, operation }, reexecute] = useQuery({ query: CsatTrendQuery, variables });
  const last = useRef<{ unit: TrendUnit; points: TrendBucket[] } | null>(null);
  // A result for another request (urql keeps the last one while the next loads) is not this range's.
  const current = operation?.variables.unit === variables.unit && operation.variables.count === variables.count;
  if (current && data) {
    const points = trendBuckets(
      plan,
      data.csatTrend.map((p) => ({
        from: new Date(String(p.from)).toISOString(),
        to: new Date(String(p.to)).toISOString(),
        sent: p.totals.sent,
        submitted: p.totals.submitted,
        averageRating: p.totals.averageRating ?? null,
      })),
    );
    last.current = { unit: plan.unit, points };
    return { unit: plan.unit, points, stale: false, error: false, refresh: () => reexecute({ requestPolicy: "network-only" }) };
  }
  return {
    unit: last.current?.unit ?? plan.unit,
    points: last.current?.points ?? null,
    stale: last.current !== null,
    error: Boolean(error),
    refresh: () => reexecute({ requestPolicy: "network-only" }),
  };
}
