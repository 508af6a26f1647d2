import { useId, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { AdminOnly } from "../components/Forbidden";
import { SettingsNav } from "../components/SettingsNav";
import { useCurrentTeammate } from "../currentTeammate";
import { describeError } from "../errors";
import { Time } from "../format";
import { graphql } from "../gql";
import { useDocumentTitle } from "../useDocumentTitle";

const ApiKeysQuery = graphql(`
  query ApiKeys {
    apiKeys {
      id
      name
      prefix
      role
      createdAt
      lastUsedAt
      revokedAt
    }
  }
`);

const CreateApiKeyMutation = graphql(`
  mutation CreateApiKey($name: String!, $role: Role) {
    createApiKey(name: $name, role: $role) {
      key
      apiKey {
        id
        name
      }
    }
  }
`);

const RevokeApiKeyMutation = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      id
      revokedAt
    }
  }
`);

/** `/settings/api-keys`: the workspace's keys; admins make one (its secret shown once) or revoke one. */
export function ApiKeysPage() {
  useDocumentTitle("API keys");
  const id = useId();
  const me = useCurrentTeammate();
  const admin = me?.role === "ADMIN";
  const [{ data, error, fetching }, refetch] = useQuery({ query: ApiKeysQuery, pause: !admin });
  const [{ fetching: creating }, create] = useMutation(CreateApiKeyMutation);
  const [, revoke] = useMutation(RevokeApiKeyMutation);
  const [name, setName] = useState("");
  const [role, setRole] = useState<"ADMIN" | "AGENT">("AGENT");
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const keys = data?.apiKeys;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setMessage(null);
    const result = await create({ name, role });
    if (result.error) return setMessage(describeError(result.error));
    if (!result.data) return;
    setCreated({ name: result.data.createApiKey.apiKey.name, key: result.data.createApiKey.key });
    setName("");
    refetch({ requestPolicy: "network-only" });
  }

  async function end(key: { id: string; name: string }) {
    if (!window.confirm(`Revoke the API key “${key.name}”? Whatever uses it stops working at once.`)) return;
    const result = await revoke({ id: key.id });
    setMessage(result.error ? describeError(result.error) : `Revoked “${key.name}”.`);
  }

  return (
    <section className="page" aria-labelledby={`${id}-heading`}>
      <SettingsNav />
      <h1 id={`${id}-heading`} tabIndex={-1}>
        API keys
      </h1>
      {me && !admin ? <AdminOnly what="API keys" /> : null}
      <p role="status" className="page__status">
        {fetching && !keys ? "Loading API keys…" : (message ?? "")}
      </p>
      {error && !keys ? (
        <p role="alert" className="alert">
          {describeError(error)}
        </p>
      ) : null}
      {admin ? (
        <form className="card settings-form" onSubmit={submit}>
          <div className="field">
            <label htmlFor={`${id}-name`}>Name</label>
            <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-role`}>Role</label>
            <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as "ADMIN" | "AGENT")}>
              <option value="AGENT">Agent: conversations and reports</option>
              <option value="ADMIN">Admin: also settings and the audit log</option>
            </select>
          </div>
          <div className="form-actions">
            <button type="submit" className="button" aria-busy={creating}>
              Create API key
            </button>
          </div>
        </form>
      ) : null}
      {created ? (
        <div className="card" role="region" aria-labelledby={`${id}-created`}>
          <h2 id={`${id}-created`}>“{created.name}” is ready</h2>
          <p>Copy the key now: it is shown only this once.</p>
          <pre className="snippet" tabIndex={0}>
            {created.key}
          </pre>
        </div>
      ) : null}
      {keys && keys.length === 0 ? <p>This workspace has no API key yet.</p> : null}
      {keys && keys.length > 0 ? (
        <div className="table-wrap" role="region" aria-labelledby={`${id}-caption`} tabIndex={0}>
          <table className="table">
            <caption id={`${id}-caption`}>API keys, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{key.role === "ADMIN" ? "Admin" : "Agent"}</td>
                  <td>
                    <Time value={key.createdAt} />
                  </td>
                  <td>{key.lastUsedAt ? <Time value={key.lastUsedAt} /> : "Never"}</td>
                  <td>
                    {key.revokedAt ? (
                      <>
                        Revoked <Time value={key.revokedAt} />
                      </>
                    ) : (
                      <button type="button" className="button button--secondary" onClick={() => end(key)}>
                        Revoke<span className="visually-hidden"> {key.name}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
