import { builder } from "../builder.js";
import { eraseCustomer } from "../services/privacy.js";

builder.mutationField("eraseCustomer", (t) =>
  t.boolean({
    description: "ADMIN: the customer's name, email, message text and comments are erased and their tokens stop working; figures are kept.",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => eraseCustomer(ctx.app, ctx.actor, args.id),
  }),
);
