import { useEffect, useId, useRef, useState } from "react";
import { useMutation } from "urql";
import { CONVERSATIONS_STALE } from "../conversationsStale";
import { useCurrentTeammate } from "../currentTeammate";
import { describeError } from "../errors";
import { graphql } from "../gql";

const EraseCustomerMutation = graphql(`
  mutation EraseCustomer($id: ID!) {
    eraseCustomer(id: $id)
  }
`);

/**
 * Admins only: erases the customer's name, email, message text and comments after a confirmation.
 * Their scores stay in the reports. `onErased` reloads the conversation.
 */
export function EraseCustomer({ customerId, customerName, onErased }: { customerId: string; customerName: string; onErased: () => void }) {
  const teammate = useCurrentTeammate();
  const id = useId();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, erase] = useMutation(EraseCustomerMutation);
  const cancelButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    setConfirming(false);
    setError(null);
  }, [customerId]);
  useEffect(() => {
    if (confirming) cancelButton.current?.focus();
  }, [confirming]);

  if (teammate?.role !== "ADMIN") return null;

  async function confirm() {
    if (fetching) return;
    setError(null);
    // The answer is a Boolean: name the types it changed, so every query showing them (the inbox
    // list's names and last messages too) is fetched again.
    const result = await erase({ id: customerId }, { additionalTypenames: ["Customer", "Message", "Conversation"] });
    if (result.error) {
      setError(describeError(result.error));
      return;
    }
    setConfirming(false);
    // The inbox keeps its rows itself (infinite scroll): tell it to load them afresh.
    window.dispatchEvent(new Event(CONVERSATIONS_STALE));
    onErased();
  }

  if (!confirming) {
    return (
      <button type="button" className="button button--secondary" onClick={() => setConfirming(true)}>
        Erase customer
      </button>
    );
  }
  return (
    <div role="alertdialog" aria-labelledby={`${id}-title`} aria-describedby={`${id}-text`} className="alert">
      <p id={`${id}-title`}>
        <strong>Erase {customerName}?</strong>
      </p>
      <p id={`${id}-text`}>
        Their name, email, the text of their conversations and their survey comments are erased for good, and their links
        stop working. Their scores stay in the reports.
      </p>
      {error ? <p role="alert">{error}</p> : null}
      <button type="button" className="button" onClick={confirm} aria-busy={fetching}>
        {fetching ? "Erasing…" : "Erase for good"}
      </button>{" "}
      <button type="button" className="button button--secondary" ref={cancelButton} onClick={() => setConfirming(false)}>
        Cancel
      </button>
    </div>
  );
}
