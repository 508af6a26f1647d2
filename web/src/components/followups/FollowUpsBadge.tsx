import { useQuery } from "urql";
import { graphql } from "../../gql";
import { useCsatFollowUpChanged } from "../../useCsatFollowUpChanged";
import { useLiveRefetch } from "../../useLiveRefetch";

const OpenFollowUpsQuery = graphql(`
  query OpenFollowUps {
    csatFollowUps(status: OPEN, first: 0) {
      totalCount
    }
  }
`);

/** The nav's count of open follow-ups, live: nothing when there are none. */
export function FollowUpsBadge() {
  const [{ data }, refetch] = useQuery({ query: OpenFollowUpsQuery, requestPolicy: "cache-and-network" });
  const refresh = () => refetch({ requestPolicy: "network-only" });
  useCsatFollowUpChanged(refresh);
  useLiveRefetch(refresh, 60_000);
  const open = data?.csatFollowUps.totalCount ?? 0;
  if (open === 0) return null;
  return (
    <span className="badge" data-testid="open-follow-ups">
      {open > 99 ? "99+" : open}
      <span className="visually-hidden"> open</span>
    </span>
  );
}
