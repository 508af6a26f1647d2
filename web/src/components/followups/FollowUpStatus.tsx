import type { CsatFollowUpStatus } from "../../gql/graphql";

export const FOLLOW_UP_STATUSES: { value: CsatFollowUpStatus; label: string }[] = [
  { value: "OPEN", label: "Open" },
  { value: "CONTACTED", label: "Contacted" },
  { value: "DONE", label: "Done" },
];

export const followUpStatusLabel = (status: CsatFollowUpStatus) => FOLLOW_UP_STATUSES.find((s) => s.value === status)?.label ?? status;

/** A follow-up's status as a small pill. */
export function FollowUpStatusPill({ status }: { status: CsatFollowUpStatus }) {
  return <span className={`pill pill--${status.toLowerCase()}`}>Follow-up: {followUpStatusLabel(status)}</span>;
}
