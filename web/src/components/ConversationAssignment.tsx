import { useEffect, useId, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { describeError } from "../errors";
import { graphql } from "../gql";
import "./ConversationAssignment.css";

const ConversationAssignmentQuery = graphql(`
  query ConversationAssignment($id: ID!) {
    conversation(id: $id) {
      id
      labels
      assignee {
        id
        name
        active
      }
    }
    teammates {
      id
      name
      active
    }
  }
`);

const AssignMutation = graphql(`
  mutation AssignConversation($id: ID!, $teammateId: ID) {
    assignConversation(id: $id, teammateId: $teammateId) {
      id
      updatedAt
      assignee {
        id
        name
        active
      }
    }
  }
`);

const LabelsMutation = graphql(`
  mutation SetConversationLabels($id: ID!, $labels: [String!]!) {
    setConversationLabels(id: $id, labels: $labels) {
      id
      updatedAt
      labels
    }
  }
`);

const MAX_LABELS = 20;

/**
 * Who the conversation is assigned to (a survey dispatched while assigned is credited to them) and
 * its labels (which the survey rules may exclude): both editable by any teammate.
 */
export function ConversationAssignment({ conversationId }: { conversationId: string }) {
  const id = useId();
  const [{ data, error }] = useQuery({ query: ConversationAssignmentQuery, variables: { id: conversationId } });
  const [{ fetching: assigning }, assign] = useMutation(AssignMutation);
  const [{ fetching: labelling }, setLabels] = useMutation(LabelsMutation);
  const [newLabel, setNewLabel] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [status, setStatus] = useState("");

  useEffect(() => {
    setNewLabel("");
    setProblem(null);
    setStatus("");
  }, [conversationId]);

  const conversation = data?.conversation;
  if (!conversation) {
    return error ? (
      <p role="alert" className="alert">
        {describeError(error)}
      </p>
    ) : null;
  }
  const labels = conversation.labels;
  const assignee = conversation.assignee;
  // Active teammates may be chosen; a deactivated assignee stays shown until changed.
  const choices = (data.teammates ?? []).filter((t) => t.active || t.id === assignee?.id);

  async function changeAssignee(teammateId: string) {
    setProblem(null);
    const result = await assign({ id: conversationId, teammateId: teammateId || null });
    if (result.error) return setProblem(describeError(result.error));
    const name = result.data?.assignConversation.assignee?.name;
    setStatus(name ? `Assigned to ${name}.` : "Unassigned.");
  }

  async function save(next: string[], said: string) {
    setProblem(null);
    const result = await setLabels({ id: conversationId, labels: next });
    if (result.error) {
      setProblem(describeError(result.error));
      return false;
    }
    setStatus(said);
    return true;
  }

  async function add(event: FormEvent) {
    event.preventDefault();
    const label = newLabel.trim().toLowerCase();
    if (!label) return setProblem("Write a label first.");
    if (labels.includes(label)) return setProblem(`“${label}” is already a label.`);
    if (labels.length >= MAX_LABELS) return setProblem(`A conversation has at most ${MAX_LABELS} labels.`);
    if (await save([...labels, label], `Added the label “${label}”.`)) setNewLabel("");
  }

  return (
    <section className="assignment" aria-label="Assignment and labels">
      <div className="field assignment__assignee">
        <label htmlFor={`${id}-assignee`}>Assigned to</label>
        <select
          id={`${id}-assignee`}
          value={assignee?.id ?? ""}
          onChange={(e) => void changeAssignee(e.target.value)}
          aria-busy={assigning}
          aria-describedby={`${id}-assignee-hint`}
        >
          <option value="">No one</option>
          {choices.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
              {t.active ? "" : " (deactivated)"}
            </option>
          ))}
        </select>
        <p id={`${id}-assignee-hint`} className="hint">
          A survey sent while assigned is credited to them.
        </p>
      </div>
      <div className="assignment__labels">
        <h3 id={`${id}-labels`} className="assignment__title">
          Labels
        </h3>
        {labels.length > 0 ? (
          <ul className="label-list" aria-labelledby={`${id}-labels`}>
            {labels.map((label) => (
              <li key={label} className="label-chip">
                <span>{label}</span>
                <button
                  type="button"
                  className="label-chip__remove"
                  aria-label={`Remove the label ${label}`}
                  disabled={labelling}
                  onClick={() => void save(labels.filter((l) => l !== label), `Removed the label “${label}”.`)}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No labels.</p>
        )}
        <form className="label-add" onSubmit={add}>
          <label htmlFor={`${id}-new-label`} className="visually-hidden">
            New label
          </label>
          <input
            id={`${id}-new-label`}
            value={newLabel}
            onChange={(e) => setNewLabel(e.target.value)}
            maxLength={50}
            placeholder="Add a label"
            aria-invalid={problem ? true : undefined}
          />
          <button type="submit" className="button button--secondary button--small" aria-busy={labelling}>
            Add label
          </button>
        </form>
      </div>
      <p role="status" className="visually-hidden">
        {status}
      </p>
      {problem ? (
        <p role="alert" className="field-error">
          {problem}
        </p>
      ) : null}
    </section>
  );
}
