import { graphql, useFragment, type FragmentType } from "../gql";

export const ConversationItemFragment = graphql(`
  fragment ConversationItem_Conversation on Conversation {
    id
    status
    customer {
      name
    }
    channel {
      name
    }
    bot {
      name
    }
  }
`);

const UNATTRIBUTED = "— Unattributed —";

export function ConversationItem(props: { conversation: FragmentType<typeof ConversationItemFragment> }) {
  const conversation = useFragment(ConversationItemFragment, props.conversation);
  const open = conversation.status === "OPEN";
  return (
    <li className="conversation">
      <span className="conversation__customer">{conversation.customer.name}</span>
      <span className={`status ${open ? "status--open" : "status--resolved"}`}>{open ? "Open" : "Resolved"}</span>
      <dl className="conversation__meta">
        <div>
          <dt>Channel</dt>
          <dd>{conversation.channel?.name ?? UNATTRIBUTED}</dd>
        </div>
        <div>
          <dt>Bot</dt>
          <dd>{conversation.bot?.name ?? "No bot"}</dd>
        </div>
      </dl>
    </li>
  );
}
