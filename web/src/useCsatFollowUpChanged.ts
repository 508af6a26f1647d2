import { useEffect, useRef } from "react";
import { useSubscription } from "urql";
import { graphql } from "./gql";

const CsatFollowUpChangedSubscription = graphql(`
  subscription CsatFollowUpChanged {
    csatFollowUpChanged {
      id
      status
      note
      updatedAt
      owner {
        id
        name
      }
    }
  }
`);

/** Calls `onChange` for every follow-up of the workspace opened or changed, as it happens (graphql-ws). */
export function useCsatFollowUpChanged(onChange: (followUp: { id: string }) => void): void {
  const [{ data }] = useSubscription({ query: CsatFollowUpChangedSubscription });
  const latest = useRef(onChange);
  useEffect(() => {
    latest.current = onChange;
  });
  const changed = data?.csatFollowUpChanged;
  useEffect(() => {
    if (changed) latest.current(changed);
  }, [changed]);
}
