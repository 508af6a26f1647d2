import { useId } from "react";
import { useClient, useQuery } from "urql";
import { AdminOnly } from "../components/Forbidden";
import { useCurrentTeammate } from "../currentTeammate";
import { describeError } from "../errors";
import { Time } from "../format";
import { graphql } from "../gql";
import { diffAudit } from "../lib/auditDiff";
import { describeDelay } from "../lib/delay";
import { useDocumentTitle } from "../useDocumentTitle";
import { useLiveRefetch } from "../useLiveRefetch";
import { useOlderPages } from "../useOlderPages";
import { ListMore } from "../components/ListMore";

const AuditLogQuery = graphql(`
  query AuditLog($after: ID) {
    auditLog(first: 50, after: $after) {
      id
      action
      createdAt
      actor {
        id
        name
        email
      }
      actorName
      actorApiKey {
        id
      }
      before
      after
    }
  }
`);

const describeSetting = (key: string, value: unknown) =>
  key === "delayMinutes" && typeof value === "number" ? describeDelay(value) : undefined;

/** `/team/audit-log`: who changed what and when, newest first, with a before → after diff (admins only). */
export function AuditLogPage() {
  useDocumentTitle("Audit log");
  const id = useId();
  const me = useCurrentTeammate();
  const admin = me?.role === "ADMIN";
  const [{ data, error, fetching }, refetch] = useQuery({ query: AuditLogQuery, pause: !admin });
  useLiveRefetch(() => refetch({ requestPolicy: "network-only" }), 15_000, admin);
  const client = useClient();
  const paged = useOlderPages(
    data?.auditLog,
    async (after) => (await client.query(AuditLogQuery, { after }, { requestPolicy: "network-only" }).toPromise()).data?.auditLog ?? null,
    50,
  );
  const entries = data ? paged.items : undefined;

  return (
    <section className="page" aria-labelledby={`${id}-heading`}>
      <h1 id={`${id}-heading`} tabIndex={-1}>
        Audit log
      </h1>
      {me && !admin ? <AdminOnly what="the audit log" /> : null}
      <p role="status" className="page__status">
        {fetching && !entries ? "Loading the audit log…" : ""}
      </p>
      {error && !entries ? (
        <p role="alert" className="alert">
          {describeError(error)}
        </p>
      ) : null}
      {entries && entries.length === 0 ? <p>Nothing has been changed yet.</p> : null}
      {entries && entries.length > 0 ? (
        <div className="table-wrap" role="region" aria-labelledby={`${id}-caption`} tabIndex={0}>
          <table className="table audit">
            <caption id={`${id}-caption`}>Changes, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Before → after</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => {
                const rows = diffAudit(entry.before, entry.after, describeSetting);
                const changed = rows.filter((row) => row.changed);
                return (
                  <tr key={entry.id}>
                    <td>
                      <Time value={entry.createdAt} />
                    </td>
                    <td>{entry.actorApiKey ? `API key “${entry.actorName ?? "deleted"}”` : (entry.actorName ?? "A deleted teammate")}</td>
                    <td>{entry.action}</td>
                    <td>
                      <ul className="diff">
                        {(changed.length > 0 ? changed : rows).map((row) => (
                          <li key={row.key}>
                            <span className="diff__key">{row.label}:</span>{" "}
                            <del>
                              <span className="visually-hidden">before: </span>
                              {row.before}
                            </del>{" "}
                            <span aria-hidden="true">→</span>{" "}
                            <ins>
                              <span className="visually-hidden">after: </span>
                              {row.after}
                            </ins>
                          </li>
                        ))}
                      </ul>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      <ListMore paged={paged} what="changes" />
    </section>
  );
}
