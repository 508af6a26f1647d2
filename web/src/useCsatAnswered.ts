import { useEffect, useRef } from "react";
import { useSubscription } from "urql";
import { graphql } from "./gql";

const CsatAnsweredSubscription = graphql(`
  subscription CsatAnswered {
    csatAnswered {
      surveyId
      conversationId
      score
    }
  }
`);

/** Calls `onAnswer` for every survey answered in the workspace, as it arrives (graphql-ws). */
export function useCsatAnswered(onAnswer: (answer: { surveyId: string; conversationId: string }) => void): void {
  const [{ data }] = useSubscription({ query: CsatAnsweredSubscription });
  const latest = useRef(onAnswer);
  useEffect(() => {
    latest.current = onAnswer;
  });
  const answer = data?.csatAnswered;
  useEffect(() => {
    if (answer) latest.current(answer);
  }, [answer]);
}
