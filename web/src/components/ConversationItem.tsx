import { Time } from "../format";
import { graphql, useFragment, type FragmentType } from "../gql";
import { Link } from "../router";
import { ChannelAndBot } from "./ChannelAndBot";
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

/** One row of the inbox list: customer, status, channel, bot, the last message and the survey's state. */
export function ConversationItem(props: {
  conversation: FragmentType<typeof ConversationItemFragment>;
  selected: boolean;
}) {
  const conversation = useFragment(ConversationItemFragment, props.conversation);
  const open = conversation.status === "OPEN";
  const last = conversation.lastMessage;
  return (
    <li className={`conversation${props.selected ? " conversation--selected" : ""}`}>
      <Link
        to={`/inbox/${conversation.id}`}
        className="conversation__link"
        aria-current={props.selected ? "true" : undefined}
      >
        <span className="conversation__customer">{conversation.customer.name}</span>
      </Link>
      <span className={`status ${open ? "status--open" : "status--resolved"}`}>{open ? "Open" : "Resolved"}</span>
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
      <dl className="conversation__meta">
        <ChannelAndBot channel={conversation.channel} bot={conversation.bot} />
        <div>
          <dt>Updated</dt>
          <dd>
            <Time value={conversation.updatedAt} style="short" />
          </dd>
        </div>
      </dl>
      {conversation.csatSurvey ? <SurveyBadge survey={conversation.csatSurvey} /> : null}
    </li>
  );
}
