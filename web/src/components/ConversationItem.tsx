import { formatDateTime } from "../format";
import { graphql, useFragment, type FragmentType } from "../gql";
import { Link } from "../router";
import { SurveyBadge } from "./SurveyStatus";

export const ConversationItemFragment = graphql(`
  fragment ConversationItem_Conversation on Conversation {
    id
    status
    updatedAt
    customer {
      name
    }
    channel {
      name
    }
    bot {
      name
    }
    lastMessage {
      id
      body
      fromCustomer
    }
    csatSurvey {
      ...SurveyBadge_CsatSurvey
    }
  }
`);

const MINUTE = 60_000;

/** "just now", "5 min", "3 h", "2 d", then the date: how long ago, as short as a list row needs. */
export function relativeTime(value: string, now = Date.now()): string {
  const ago = now - new Date(value).getTime();
  if (ago < MINUTE) return "just now";
  if (ago < 60 * MINUTE) return `${Math.floor(ago / MINUTE)} min`;
  if (ago < 24 * 60 * MINUTE) return `${Math.floor(ago / (60 * MINUTE))} h`;
  if (ago < 7 * 24 * 60 * MINUTE) return `${Math.floor(ago / (24 * 60 * MINUTE))} d`;
  const date = new Date(value);
  return date.toLocaleDateString(undefined, {
    month: "short",
    day: "numeric",
    ...(date.getFullYear() === new Date(now).getFullYear() ? {} : { year: "numeric" }),
  });
}

/** A time shown relative ("3 h"), with the full date and time on hover and to screen readers. */
export function RelativeTime({ value }: { value: string }) {
  const full = formatDateTime(value);
  return (
    <time dateTime={value} title={full} aria-label={full}>
      {relativeTime(value)}
    </time>
  );
}

/** One compact row of the inbox list: customer, status, when, the last message, where from and the survey's state. */
export function ConversationItem(props: {
  conversation: FragmentType<typeof ConversationItemFragment>;
  selected: boolean;
}) {
  const conversation = useFragment(ConversationItemFragment, props.conversation);
  const open = conversation.status === "OPEN";
  const last = conversation.lastMessage;
  const from = [conversation.channel?.name, conversation.bot?.name].filter(Boolean).join(" · ");
  return (
    <li className={`conversation conversation--compact${props.selected ? " conversation--selected" : ""}`}>
      <Link
        to={`/inbox/${conversation.id}${window.location.search}`}
        className="conversation__link"
        aria-current={props.selected ? "true" : undefined}
      >
        <span className="conversation__customer">{conversation.customer.name}</span>
      </Link>
      <span className="conversation__when">
        <span className={`status ${open ? "status--open" : "status--resolved"}`}>{open ? "Open" : "Resolved"}</span>
        <RelativeTime value={conversation.updatedAt} />
      </span>
      <p className="conversation__last">
        {last ? (
          <>
            <span className="visually-hidden">Last message: </span>
            {last.fromCustomer ? "" : "You: "}
            {last.body}
          </>
        ) : (
          <span className="muted">No messages yet</span>
        )}
      </p>
      <div className="conversation__from">
        {from ? <span>{from}</span> : null}
        {conversation.csatSurvey ? <SurveyBadge survey={conversation.csatSurvey} /> : null}
      </div>
    </li>
  );
}
