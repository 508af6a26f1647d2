import { builder } from "../builder.js";
import { hideSurveyTokens, listOutbox, outboxPreviewUrl } from "../services/outbox.js";
import { EmailState } from "./scalars.js";

const OutboxEmail = builder.prismaObject("EmailOutbox", {
  name: "OutboxEmail",
  fields: (t) => ({
    id: t.exposeID("id"),
    to: t.exposeString("to"),
    subject: t.exposeString("subject"),
    html: t.string({
      description: "The rendered email, as the customer receives it, but for the survey token: its links say [survey token hidden].",
      select: { html: true },
      resolve: (email) => hideSurveyTokens(email.html),
    }),
    text: t.string({
      description: "The plain-text part, with the survey token hidden as in html.",
      select: { text: true },
      resolve: (email) => hideSurveyTokens(email.text),
    }),
    previewUrl: t.string({
      nullable: true,
      description:
        "Development only (null when NODE_ENV=production, for API keys, and once sent): the survey's rating page, for an ADMIN to try the flow.",
      select: { html: true },
      resolve: (email, _args, ctx) => outboxPreviewUrl(ctx.app, ctx.actor, email),
    }),
    state: t.expose("state", {
      type: EmailState,
      description: "RECORDED: kept here only (no RESEND_API_KEY); PENDING/SENDING: on its way; SENT; FAILED; SUPPRESSED: not sent, the address unsubscribed.",
    }),
    attempts: t.exposeInt("attempts"),
    lastError: t.string({
      nullable: true,
      select: { lastError: true },
      resolve: (email) => (email.lastError === null ? null : hideSurveyTokens(email.lastError)),
    }),
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
