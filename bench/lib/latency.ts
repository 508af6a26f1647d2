/**
 * Read queries whose latency is a goal, measured in bench/reports.ts beside the trivial
 * authenticated query (`{ me { id } }`) on the same server in the same run, interleaved, and
 * reported as the ratio of their p95 to its p95 (so the goal holds on any machine).
 *
 * This is the hook for the rows of search and the explorer: add an entry here (its query runs
 * with the Alpha workspace's admin token against the seeded 1,000,000 surveys) and it gets its
 * row in `npm run bench -- reports` with no other change.
 */
export interface LatencyQuery {
  /** The row's name in the table. */
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** The goal: p95 ≤ this many times the trivial query's p95 (3 unless given). */
  timesTrivial?: number;
}

/** The trivial authenticated query every latency is a ratio to. */
export const TRIVIAL_QUERY = "{ me { id } }";

export const EXTRA_LATENCY_QUERIES: LatencyQuery[] = [];
