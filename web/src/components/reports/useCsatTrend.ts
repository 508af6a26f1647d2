import { useQuery } from "urql";
import { graphql } from "../../gql";
import type { CsatRange } from "../../gql/graphql";
import { trendRequest, trendUnit, type TrendUnit } from "../../lib/trend";
import type { TrendPoint } from "./TrendChart";

const CsatTrendQuery = graphql(`
  query CsatTrend($unit: CsatTrendUnit!, $count: Int!) {
    csatTrend(unit: $unit, count: $count) {
      from
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
  points: TrendPoint[] | null;
  error: boolean;
  refresh(): void;
}

/** The report's trend: `csatTrend`, one query (the API reads one tally bucket per day or month). */
export function useCsatTrend(range: CsatRange): CsatTrend {
  const variables = trendRequest(range);
  const [{ data, error, operation }, reexecute] = useQuery({ query: CsatTrendQuery, variables });
  // A result for another range (urql keeps the last one while the next loads) is not shown.
  const current = operation?.variables.unit === variables.unit && operation.variables.count === variables.count;
  const points =
    current && data
      ? data.csatTrend.map((p) => ({
          date: String(p.from).slice(0, 10),
          sent: p.totals.sent,
          submitted: p.totals.submitted,
          averageRating: p.totals.averageRating ?? null,
        }))
      : null;
  return {
    unit: trendUnit(range),
    points,
    error: current && !data && Boolean(error),
    refresh: () => reexecute({ requestPolicy: "network-only" }),
  };
}
