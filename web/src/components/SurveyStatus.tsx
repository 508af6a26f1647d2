import { formatDateTime, Time } from "../format";
import { graphql, useFragment, type FragmentType } from "../gql";
import type { CsatAnswerVia, CsatSkipReason } from "../gql/graphql";
import { Stars } from "./Stars";

export const SurveyBadgeFragment = graphql(`
  fragment SurveyBadge_CsatSurvey on CsatSurvey {
    id
    state
    score
  }
`);

/** The survey's state in a word, for the inbox list. */
export function SurveyBadge(props: { survey: FragmentType<typeof SurveyBadgeFragment> }) {
  const survey = useFragment(SurveyBadgeFragment, props.survey);
  const text =
    survey.state === "SCHEDULED"
      ? "Survey scheduled"
      : survey.state === "DISPATCHED"
        ? "Survey sent"
        : survey.state === "CANCELLED"
          ? "Survey cancelled"
          : null;
  return (
    <p className={`survey-badge survey-badge--${survey.state.toLowerCase()}`}>
      {survey.state === "SUBMITTED" && survey.score ? (
        <>
          <span className="visually-hidden">Survey answered: </span>
          <Stars score={survey.score} />
        </>
      ) : (
        text
      )}
    </p>
  );
}

export const SurveyStatusFragment = graphql(`
  fragment SurveyStatus_CsatSurvey on CsatSurvey {
    id
    state
    dueAt
    dispatchedAt
    expiresAt
    deliveredToWidget
    emailed
    score
    comment
    answeredAt
    answeredVia
    resolvedVia
  }
`);

const VIA: Record<CsatAnswerVia, string> = { WIDGET: "in the chat widget", EMAIL_LINK: "from the email link", API: "through the API" };

function channels(survey: { deliveredToWidget: boolean; emailed: boolean }): string {
  if (survey.deliveredToWidget && survey.emailed) return "Shown in the chat widget and emailed.";
  if (survey.deliveredToWidget) return "Shown in the chat widget.";
  if (survey.emailed) return "Emailed to the customer.";
  return "The customer had no open chat widget and no email address, so it could not be shown.";
}

/** Why a conversation's first resolve made no survey, in words. */
export const SKIP_REASON_TEXT: Record<CsatSkipReason, string> = {
  CSAT_OFF: "CSAT was off when it was first resolved.",
  SKIPPED_BY_TEAMMATE: "it was resolved without a survey, by choice.",
  EXCLUDED_LABEL: "it has a label the survey rules exclude.",
  COOLDOWN: "this customer was sent a survey recently (the survey rules' cooldown).",
  SAMPLED_OUT: "it was not among the share of conversations the survey rules sample.",
  SUPPRESSED_EMAIL: "the customer's only contact is an email address that bounced, complained or unsubscribed, and their chat widget was not open.",
};

/** The survey panel of a conversation: scheduled (due when), dispatched (where), answered (stars and comment), cancelled, or never made (and why). */
export function SurveyStatus(props: {
  survey: FragmentType<typeof SurveyStatusFragment> | null;
  conversationOpen: boolean;
  resolvedBefore: boolean;
  /** Why its first resolve made no survey; null when it made one or was never resolved. */
  skipReason?: CsatSkipReason | null;
}) {
  const survey = useFragment(SurveyStatusFragment, props.survey);
  let body;
  if (!survey) {
    body = props.skipReason ? (
      <p>
        <strong>No survey</strong> for this conversation: {SKIP_REASON_TEXT[props.skipReason]} A conversation gets a survey only
        at its first resolve.
      </p>
    ) : props.resolvedBefore ? (
      <p>No survey was made when this conversation was first resolved.</p>
    ) : (
      <p className="muted">A survey is sent when this conversation is first resolved, if CSAT is on and the survey rules allow it.</p>
    );
  } else if (survey.state === "SCHEDULED") {
    body = props.conversationOpen ? (
      <p>
        <strong>On hold.</strong> The conversation was reopened before the survey went out; the countdown restarts when it
        is resolved again.
      </p>
    ) : (
      <p>
        <strong>Scheduled</strong> — will be sent <Time value={survey.dueAt} />.
      </p>
    );
  } else if (survey.state === "CANCELLED") {
    body = (
      <p>
        <strong>Cancelled.</strong> CSAT was switched off before the survey was sent.
      </p>
    );
  } else if (survey.state === "DISPATCHED") {
    body = (
      <>
        <p>
          <strong>Sent</strong> {survey.dispatchedAt ? <Time value={survey.dispatchedAt} /> : null} — waiting for an answer.
        </p>
        <p>{channels(survey)}</p>
        {survey.expiresAt ? <p className="muted">The survey link works until {formatDateTime(survey.expiresAt)}.</p> : null}
      </>
    );
  } else {
    body = (
      <>
        <p>
          <strong>Answered</strong> {survey.answeredAt ? <Time value={survey.answeredAt} /> : null}
          {survey.answeredVia ? ` ${VIA[survey.answeredVia]}` : ""}.
        </p>
        {survey.score ? (
          <p className="survey__score">
            <Stars score={survey.score} /> <span>{survey.score} out of 5</span>
          </p>
        ) : null}
        {survey.comment ? <blockquote className="survey__comment">{survey.comment}</blockquote> : <p className="muted">No comment.</p>}
      </>
    );
  }
  return (
    <section className="survey" aria-labelledby="survey-heading" data-state={survey?.state ?? "NONE"}>
      <h3 id="survey-heading">Satisfaction survey</h3>
      {body}
    </section>
  );
}
