import { builder } from "../builder.js";
import * as enums from "../generated/prisma/enums.js";
import { bouncedSurveys, hideSurveyTokens, listEmailSuppressions, listOutbox, outboxPreviewUrl, removeEmailSuppression } from "../services/outbox.js";
import type { Suppression } from "../db/suppressions.js";
import { EmailState } from "./scalars.js";
import { CsatReport } from "./reports.js";

export const EmailDelivery = builder.enumType(enums.EmailDelivery, {
  name: "EmailDelivery",
  description: "What the provider's delivery events say of a sent email; ACCEPTED: sent, no event yet.",
});
const EmailKind = builder.enumType(enums.EmailKind, { name: "EmailKind", description: "The survey email itself, or its one reminder." });

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
      description:
        "RECORDED: kept here only (no RESEND_API_KEY); PENDING/SENDING: on its way; SENT; FAILED; SUPPRESSED: not sent, the address is suppressed; CANCELLED: a reminder no longer wanted.",
    }),
    attempts: t.exposeInt("attempts"),
    lastError: t.string({
      nullable: true,
      select: { lastError: true },
      resolve: (email) => (email.lastError === null ? null : hideSurveyTokens(email.lastError)),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    sentAt: t.expose("sentAt", { type: "DateTime", nullable: true }),
    kind: t.expose("kind", { type: EmailKind }),
    delivery: t.expose("delivery", { type: EmailDelivery, nullable: true, description: "From the provider's delivery events; null until sent." }),
    deliveryAt: t.expose("deliveryAt", { type: "DateTime", nullable: true }),
    survey: t.relation("survey"),
    conversationId: t.id({
      description: "The conversation the survey is about.",
      select: { survey: { select: { conversationId: true } } },
      resolve: (email) => email.survey.conversationId,
    }),
  }),
});

builder.queryField("emailOutbox", (t) =>
  t.prismaField({
    type: [OutboxEmail],
    authScopes: { admin: true },
    description: "Survey emails, newest first (ADMIN).",
    args: {
      first: t.arg.int({ defaultValue: 50 }),
      after: t.arg.id({ description: "The id of the last email of the page before: the next page (older emails)." }),
    },
    resolve: (query, _root, args, ctx) => listOutbox(ctx.app, ctx.actor, args.first, query, args.after == null ? null : String(args.after)),
  }),
);

builder.prismaObjectField("CsatSurvey", "emailDelivery", (t) =>
  t.field({
    type: EmailDelivery,
    nullable: true,
    description: "What the provider says of the survey email (not its reminder); null when no email was sent.",
    select: { emails: { where: { kind: "SURVEY" }, select: { delivery: true } } },
    resolve: (survey) => survey.emails[0]?.delivery ?? null,
  }),
);

const EmailSuppression = builder.objectRef<Suppression>("EmailSuppression").implement({
  description: "An address that gets no more survey emails from this workspace.",
  fields: (t) => ({
    email: t.exposeString("email"),
    reason: t.exposeString("reason", { description: "UNSUBSCRIBED, BOUNCED (a hard bounce) or COMPLAINED (marked as spam)." }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.queryField("emailSuppressions", (t) =>
  t.field({
    type: [EmailSuppression],
    authScopes: { admin: true },
    description: "Addresses that get no more survey emails, newest first (ADMIN).",
    args: { first: t.arg.int({ defaultValue: 100 }) },
    resolve: (_root, args, ctx) => listEmailSuppressions(ctx.app, ctx.actor, args.first),
  }),
);

builder.mutationField("removeEmailSuppression", (t) =>
  t.boolean({
    authScopes: { admin: true },
    description: "Lets the workspace email this address again (ADMIN; audited). False when it was not suppressed.",
    args: { email: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => removeEmailSuppression(ctx.app, ctx.actor, args.email),
  }),
);

builder.objectField(CsatReport, "bounced", (t) =>
  t.int({
    description: "Surveys dispatched in the window whose email bounced (counted apart: they could not be answered by email).",
    resolve: (report, _args, ctx) => bouncedSurveys(ctx.app, ctx.actor, report),
  }),
);
