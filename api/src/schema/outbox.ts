import { builder } from "../builder.js";
import { listOutbox } from "../services/outbox.js";
import { EmailState } from "./scalars.js";

const OutboxEmail = builder.prismaObject("EmailOutbox", {
  name: "OutboxEmail",
  fields: (t) => ({
    id: t.exposeID("id"),
    to: t.exposeString("to"),
    subject: t.exposeString("subject"),
    html: t.exposeString("html", { description: "The rendered email, as the customer receives it." }),
    text: t.exposeString("text"),
    state: t.expose("state", {
      type: EmailState,
      description: "RECORDED: kept here only (no RESEND_API_KEY); PENDING/SENDING: on its way; SENT; FAILED; SUPPRESSED: not sent, the address unsubscribed.",
    }),
    attempts: t.exposeInt("attempts"),
    lastError: t.exposeString("lastError", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    sentAt: t.expose("sentAt", { type: "DateTime", nullable: true }),
    survey: t.relation("survey"),
  }),
});

builder.queryField("emailOutbox", (t) =>
  t.prismaField({
    type: [OutboxEmail],
    authScopes: { admin: true },
    description: "Survey emails, newest first (ADMIN).",
    args: { first: t.arg.int({ defaultValue: 50 }) },
    resolve: (query, _root, args, ctx) => listOutbox(ctx.app, ctx.actor, args.first, query),
  }),
);
