import { useEffect, useId, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { FOLLOW_UP_STATUSES, followUpStatusLabel } from "../components/followups/FollowUpStatus";
import { Stars } from "../components/Stars";
import { useCurrentTeammate } from "../currentTeammate";
import { describeError } from "../errors";
import { Time } from "../format";
import { graphql } from "../gql";
import type { CsatFollowUpStatus, CsatFollowUpsQuery } from "../gql/graphql";
import { Link, navigate, useSearchParam } from "../router";
import { useCsatFollowUpChanged } from "../useCsatFollowUpChanged";
import { useDocumentTitle } from "../useDocumentTitle";
import { useLiveRefetch } from "../useLiveRefetch";

const CsatFollowUpsDocument = graphql(`
  query CsatFollowUps($status: CsatFollowUpStatus, $ownerId: ID, $first: Int, $after: String) {
    csatFollowUps(status: $status, ownerId: $ownerId, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          status
          note
          createdAt
          updatedAt
          owner {
            id
            name
          }
          survey {
            id
            score
            comment
            conversation {
              id
              customer {
                id
                name
                email
              }
            }
          }
          changes {
            id
            createdAt
            actorName
            previousStatus
            status
            ownerChanged
            owner {
              id
              name
            }
            noteChanged
            note
          }
        }
      }
    }
  }
`);

const FollowUpOwnersQuery = graphql(`
  query FollowUpOwners {
    teammates {
      id
      name
      active
    }
  }
`);

const UpdateFollowUpMutation = graphql(`
  mutation UpdateFollowUp($id: ID!, $input: CsatFollowUpInput!) {
    updateCsatFollowUp(id: $id, input: $input) {
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

type FollowUp = CsatFollowUpsQuery["csatFollowUps"]["edges"][number]["node"];

const STATUS_TABS: { value: CsatFollowUpStatus | "ALL"; label: string }[] = [...FOLLOW_UP_STATUSES, { value: "ALL", label: "All" }];
const PAGE_SIZE = 50;

/** `/follow-ups`: low answers someone should act on — mine or everyone's, by status. */
export function FollowUpsPage() {
  useDocumentTitle("Follow-ups");
  const id = useId();
  const me = useCurrentTeammate();
  const whose = useSearchParam("owner") === "all" ? "all" : "mine";
  const statusParam = useSearchParam("status");
  const status = STATUS_TABS.find((t) => t.value === statusParam)?.value ?? "OPEN";
  const [first, setFirst] = useState(PAGE_SIZE);
  useEffect(() => setFirst(PAGE_SIZE), [whose, status]);
  const go = (next: { owner?: string; status?: string }) => {
    const p = new URLSearchParams({ owner: next.owner ?? whose, status: next.status ?? status });
    navigate(`/follow-ups?${p.toString()}`, { replace: true });
  };
  const variables = {
    ...(status === "ALL" ? {} : { status }),
    ...(whose === "mine" && me ? { ownerId: me.id } : {}),
    first,
  };
  const [{ data, error, fetching }, refetch] = useQuery({ query: CsatFollowUpsDocument, variables, pause: whose === "mine" && !me });
  const refresh = () => refetch({ requestPolicy: "network-only" });
  useCsatFollowUpChanged(refresh);
  useLiveRefetch(refresh, 30_000);
  const page = data?.csatFollowUps;

  return (
    <section className="page page--wide follow-ups" aria-labelledby={`${id}-heading`}>
      <div className="page__header">
        <h1 id={`${id}-heading`} tabIndex={-1}>
          Follow-ups
        </h1>
        <div className="toolbar">
          <div role="group" aria-label="Whose" className="segmented">
            <button type="button" aria-pressed={whose === "mine"} onClick={() => go({ owner: "mine" })}>
              Mine
            </button>
            <button type="button" aria-pressed={whose === "all"} onClick={() => go({ owner: "all" })}>
              Everyone's
            </button>
          </div>
          <div role="group" aria-label="Status" className="segmented">
            {STATUS_TABS.map((tab) => (
              <button key={tab.value} type="button" aria-pressed={tab.value === status} onClick={() => go({ status: tab.value })}>
                {tab.label}
              </button>
            ))}
          </div>
        </div>
      </div>
      <p className="lead">Answers at or below the follow-up threshold (Settings › CSAT) open a follow-up for the teammate credited with the survey.</p>
      <p role="status" className="page__status">
        {fetching && !page ? "Loading follow-ups…" : page ? `${page.totalCount.toLocaleString()} ${page.totalCount === 1 ? "follow-up" : "follow-ups"}` : ""}
      </p>
      {error && !page ? (
        <p role="alert" className="alert">
          {describeError(error)}
        </p>
      ) : null}
      {page && page.edges.length === 0 ? <p className="muted">Nothing here. Well done.</p> : null}
      <ul className="follow-up-list">
        {page?.edges.map(({ node }) => (
          <FollowUpItem key={node.id} followUp={node} />
        ))}
      </ul>
      {page?.pageInfo.hasNextPage ? (
        <button type="button" className="button button--secondary" onClick={() => setFirst((n) => Math.min(n + PAGE_SIZE, 100))} disabled={first >= 100}>
          Show more
        </button>
      ) : null}
    </section>
  );
}

function FollowUpItem({ followUp }: { followUp: FollowUp }) {
  const id = useId();
  const me = useCurrentTeammate();
  const [status, setStatus] = useState(followUp.status);
  const [ownerId, setOwnerId] = useState(followUp.owner?.id ?? "");
  const [note, setNote] = useState(followUp.note ?? "");
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setStatus(followUp.status);
    setOwnerId(followUp.owner?.id ?? "");
    setNote(followUp.note ?? "");
  }, [followUp.status, followUp.owner?.id, followUp.note]);
  const [{ fetching, error }, update] = useMutation(UpdateFollowUpMutation);
  const customer = followUp.survey.conversation.customer;
  const [{ data: team }] = useQuery({ query: FollowUpOwnersQuery });
  const owners = new Map<string, string>();
  if (followUp.owner) owners.set(followUp.owner.id, followUp.owner.name);
  if (me) owners.set(me.id, `Me (${me.name})`);
  for (const teammate of team?.teammates ?? []) if (teammate.active && !owners.has(teammate.id)) owners.set(teammate.id, teammate.name);

  async function save(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    const result = await update({ id: followUp.id, input: { status, ownerId: ownerId || null, note } });
    if (!result.error) setSaved(true);
  }

  return (
    <li className="card follow-up" aria-labelledby={`${id}-title`}>
      <div className="response__head">
        <h2 id={`${id}-title`} className="follow-up__title">
          {customer.name}
        </h2>
        {followUp.survey.score ? <Stars score={followUp.survey.score} /> : null}
        <span className="muted">
          opened <Time value={followUp.createdAt} />
        </span>
      </div>
      {followUp.survey.comment ? <blockquote className="response__comment">{followUp.survey.comment}</blockquote> : null}
      <p className="muted">
        {customer.email ?? "No email"} ·{" "}
        <Link to={`/inbox/${followUp.survey.conversation.id}`}>
          Open conversation<span className="visually-hidden"> with {customer.name}</span>
        </Link>
      </p>
      <form className="follow-up__form" onSubmit={save}>
        <div className="field">
          <label htmlFor={`${id}-status`}>Status</label>
          <select id={`${id}-status`} value={status} onChange={(e) => setStatus(e.target.value as CsatFollowUpStatus)}>
            {FOLLOW_UP_STATUSES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-owner`}>Owner</label>
          <select id={`${id}-owner`} value={ownerId} onChange={(e) => setOwnerId(e.target.value)}>
            <option value="">No owner</option>
            {[...owners].map(([value, name]) => (
              <option key={value} value={value}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div className="field follow-up__note">
          <label htmlFor={`${id}-note`}>Note</label>
          <textarea id={`${id}-note`} value={note} maxLength={2000} rows={2} onChange={(e) => setNote(e.target.value)} />
        </div>
        <div className="form-actions">
          <button type="submit" className="button" aria-busy={fetching}>
            Save<span className="visually-hidden"> follow-up for {customer.name}</span>
          </button>
          {saved && !fetching ? <span className="success" role="status">Saved.</span> : null}
          {error ? (
            <span role="alert" className="field-error">
              {describeError(error)}
            </span>
          ) : null}
        </div>
      </form>
      {followUp.changes.length > 0 ? (
        <details className="follow-up__history">
          <summary>History ({followUp.changes.length})</summary>
          <ol>
            {followUp.changes.map((c) => (
              <li key={c.id}>
                <Time value={c.createdAt} /> — {c.actorName ?? "Someone since removed"}:{" "}
                {[
                  c.status ? `status ${c.previousStatus ? followUpStatusLabel(c.previousStatus) : "?"} → ${followUpStatusLabel(c.status)}` : null,
                  c.ownerChanged ? `owner → ${c.owner?.name ?? "no one"}` : null,
                  c.noteChanged ? (c.note ? `note “${c.note}”` : "note cleared") : null,
                ]
                  .filter(Boolean)
                  .join("; ")}
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </li>
  );
}
