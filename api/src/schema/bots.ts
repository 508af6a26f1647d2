import { builder } from "../builder.js";
import { createBot, deleteBot, listBots } from "../services/bots.js";

export const Bot = builder.prismaObject("Bot", {
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
  }),
});

builder.queryField("bots", (t) =>
  t.prismaField({
    type: [Bot],
    authScopes: { member: true },
    resolve: (_query, _root, _args, ctx) => listBots(ctx.app, ctx.actor),
  }),
);

builder.mutationFields((t) => ({
  createBot: t.prismaField({
    type: Bot,
    authScopes: { member: true },
    args: { name: t.arg.string({ required: true }) },
    resolve: (_query, _root, args, ctx) => createBot(ctx.app, ctx.actor, args.name),
  }),
  deleteBot: t.boolean({
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => deleteBot(ctx.app, ctx.actor, args.id),
  }),
}));
