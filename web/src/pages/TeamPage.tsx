import { useId, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { AdminOnly } from "../components/Forbidden";
import { useCurrentTeammate } from "../currentTeammate";
import { describeError } from "../errors";
import { graphql } from "../gql";
import { useDocumentTitle } from "../useDocumentTitle";
import "./TeamPage.css";

const TeamQuery = graphql(`
  query Team {
    teammates {
      id
      name
      email
      role
      active
    }
  }
`);

const CreateTeammateMutation = graphql(`
  mutation CreateTeammate($input: CreateTeammateInput!) {
    createTeammate(input: $input) {
      id
      name
    }
  }
`);

const DeactivateTeammateMutation = graphql(`
  mutation DeactivateTeammate($id: ID!) {
    deactivateTeammate(id: $id) {
      id
      active
    }
  }
`);

type Role = "ADMIN" | "AGENT";
const EMPTY = { name: "", email: "", role: "AGENT" as Role, password: "" };

/** `/teammates`: the workspace's teammates, active first; admins add one or deactivate one. */
export function TeamPage() {
  useDocumentTitle("Team");
  const id = useId();
  const me = useCurrentTeammate();
  const admin = me?.role === "ADMIN";
  const [{ data, error, fetching }, refetch] = useQuery({ query: TeamQuery, pause: !admin });
  const [{ fetching: creating }, create] = useMutation(CreateTeammateMutation);
  const [, deactivate] = useMutation(DeactivateTeammateMutation);
  const [draft, setDraft] = useState(EMPTY);
  const [formError, setFormError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const teammates = data?.teammates;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setMessage(null);
    setFormError(null);
    const result = await create({ input: draft });
    if (result.error) return setFormError(describeError(result.error));
    if (!result.data) return;
    setMessage(`Added ${result.data.createTeammate.name}. Give them their password; they sign in with their email.`);
    setDraft(EMPTY);
    refetch({ requestPolicy: "network-only" });
  }

  async function end(teammate: { id: string; name: string }) {
    const sure = window.confirm(
      `Deactivate ${teammate.name}? They are signed out everywhere at once and can no longer sign in. Their conversations and survey credit stay under their name.`,
    );
    if (!sure) return;
    const result = await deactivate({ id: teammate.id });
    setMessage(result.error ? describeError(result.error) : `Deactivated ${teammate.name}.`);
    if (!result.error) refetch({ requestPolicy: "network-only" });
  }

  return (
    <section className="page" aria-labelledby={`${id}-heading`}>
      <h1 id={`${id}-heading`} tabIndex={-1}>
        Team
      </h1>
      {me && !admin ? <AdminOnly what="the team" /> : null}
      <p role="status" className="page__status">
        {fetching && !teammates ? "Loading the team…" : (message ?? "")}
      </p>
      {error && !teammates ? (
        <p role="alert" className="alert">
          {describeError(error)}
        </p>
      ) : null}
      {teammates ? (
        <div className="table-wrap" role="region" aria-labelledby={`${id}-caption`} tabIndex={0}>
          <table className="table team-table">
            <caption id={`${id}-caption`}>Teammates, active first</caption>
            <thead>
              <tr>
                <th scope="col">Name and email</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {teammates.map((teammate) => (
                <tr key={teammate.id} className={teammate.active ? undefined : "muted"}>
                  <td>
                    {teammate.name}
                    {teammate.id === me?.id ? <span className="muted"> (you)</span> : null}
                    <span className="team-table__email">{teammate.email}</span>
                  </td>
                  <td>{teammate.role === "ADMIN" ? "Admin" : "Agent"}</td>
                  <td>
                    {!teammate.active ? (
                      "Deactivated"
                    ) : teammate.id === me?.id ? (
                      "Active"
                    ) : (
                      <button
                        type="button"
                        className="button button--secondary button--small"
                        onClick={() => void end(teammate)}
                        aria-label={`Deactivate ${teammate.name}`}
                      >
                        Deactivate
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {admin ? (
        <form className="card settings-form team-add" onSubmit={submit} aria-labelledby={`${id}-add`}>
          <h2 id={`${id}-add`}>Add a teammate</h2>
          <div className="field">
            <label htmlFor={`${id}-name`}>Name</label>
            <input id={`${id}-name`} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} required maxLength={200} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-email`}>Email</label>
            <input
              id={`${id}-email`}
              type="email"
              autoComplete="off"
              value={draft.email}
              onChange={(e) => setDraft({ ...draft, email: e.target.value })}
              required
              maxLength={254}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-role`}>Role</label>
            <select id={`${id}-role`} value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value as Role })}>
              <option value="AGENT">Agent: conversations and reports</option>
              <option value="ADMIN">Admin: also settings, the team and the audit log</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-password`}>Password</label>
            <input
              id={`${id}-password`}
              type="password"
              autoComplete="new-password"
              value={draft.password}
              onChange={(e) => setDraft({ ...draft, password: e.target.value })}
              required
              minLength={8}
              maxLength={200}
              aria-describedby={`${id}-password-hint`}
            />
            <p id={`${id}-password-hint`} className="hint">
              At least 8 characters. Tell them yourself; it is not emailed.
            </p>
          </div>
          {formError ? (
            <p role="alert" className="field-error">
              {formError}
            </p>
          ) : null}
          <div className="form-actions">
            <button type="submit" className="button" aria-busy={creating}>
              {creating ? "Adding…" : "Add teammate"}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
