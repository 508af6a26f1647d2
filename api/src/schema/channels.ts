import { builder } from "../builder.js";
import { createChannel, deleteChannel, listChannels } from "../services/channels.js";
import { ChannelKind } from "./scalars.js";

export const Channel = builder.prismaObject("Channel", {
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    kind: t.expose("kind", { type: ChannelKind }),
  }),
});

builder.queryField("channels", (t) =>
  t.prismaField({
    type: [Channel],
    authScopes: { member: true },
    resolve: (_query, _root, _args, ctx) => listChannels(ctx.app, ctx.actor),
  }),
);

builder.mutationFields((t) => ({
  createChannel: t.prismaField({
    type: Channel,
    authScopes: { member: true },
    args: { name: t.arg.string({ required: true }), kind: t.arg({ type: ChannelKind, required: true }) },
    resolve: (_query, _root, args, ctx) => createChannel(ctx.app, ctx.actor, args.name, args.kind),
  }),
  deleteChannel: t.boolean({
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => deleteChannel(ctx.app, ctx.actor, args.id),
  }),
}));
