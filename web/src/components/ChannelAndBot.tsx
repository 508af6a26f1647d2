import { UNATTRIBUTED } from "../lib/format";

/** A conversation's channel and bot, as entries of its `<dl>`: the list and the detail show them alike. */
export function ChannelAndBot({ channel, bot }: { channel?: { name: string } | null; bot?: { name: string } | null }) {
  return (
    <>
      <div>
        <dt>Channel</dt>
        <dd>{channel?.name ?? UNATTRIBUTED}</dd>
      </div>
      <div>
        <dt>Bot</dt>
        <dd>{bot?.name ?? UNATTRIBUTED}</dd>
      </div>
    </>
  );
}
