import { builder } from "../builder.js";
import { takeTokenAllowance } from "../http/graphqlGuards.js";
import type { CsatPrompt as Prompt } from "../pubsub.js";
import { languageOf, publicSurveyByToken, submitCsatAnswer, type PublicCsatSurvey as PublicSurvey } from "../services/csat/answers.js";
import { watchCsatRequests } from "../services/csat/prompts.js";
import { getCsatSettings, scheduledSurveyCount, updateCsatSettings, type CsatSettingsValues } from "../services/csat/settings.js";
import type { CsatText as CsatTextValue } from "../db/csatSettings.js";
import { SUPPORTED_LOCALES } from "../services/i18n/locales.js";
import { CsatAnswerVia, CsatSurveyState, PublicSurveyState, ResolvedVia, SubmitOutcome } from "./scalars.js";

builder.prismaObject("CsatSurvey", {
  fields: (t) => ({
    id: t.exposeID("id"),
    state: t.expose("state", { type: CsatSurveyState }),
    dueAt: t.expose("dueAt", { type: "DateTime" }),
    dispatchedAt: t.expose("dispatchedAt", { type: "DateTime", nullable: true }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true }),
    deliveredToWidget: t.exposeBoolean("deliveredToWidget"),
    emailed: t.exposeBoolean("emailed"),
    score: t.exposeInt("score", { nullable: true }),
    comment: t.exposeString("comment", { nullable: true }),
    answeredAt: t.expose("answeredAt", { type: "DateTime", nullable: true }),
    answeredVia: t.expose("answeredVia", { type: CsatAnswerVia, nullable: true }),
    resolvedVia: t.expose("resolvedVia", { type: ResolvedVia }),
  }),
});

const CsatText = builder.objectRef<CsatTextValue>("CsatText").implement({
  fields: (t) => ({
    locale: t.exposeString("locale"),
    question: t.exposeString("question"),
    thankYou: t.exposeString("thankYou"),
  }),
});

const CsatSettings = builder.objectRef<CsatSettingsValues>("CsatSettings").implement({
  fields: (t) => ({
    enabled: t.exposeBoolean("enabled"),
    delayMinutes: t.exposeInt("delayMinutes"),
    retentionDays: t.exposeInt("retentionDays"),
    reminderAfterDays: t.exposeInt("reminderAfterDays", {
      description: "0..29; 0 = off: one reminder email this many days after dispatch while the survey is unanswered.",
    }),
    scheduledCount: t.int({
      description: "Surveys waiting for their dispatch (held ones too): how many switching CSAT off cancels.",
      resolve: (_settings, _args, ctx) => scheduledSurveyCount(ctx.app, ctx.actor),
    }),
    defaultLocale: t.exposeString("defaultLocale"),
    texts: t.field({ type: [CsatText], resolve: (settings) => settings.texts }),
    supportedLocales: t.stringList({ resolve: () => [...SUPPORTED_LOCALES] }),
    excludeLabels: t.exposeStringList("excludeLabels"),
    cooldownDays: t.exposeInt("cooldownDays"),
    samplePercent: t.exposeInt("samplePercent"),
    reasons: t.exposeStringList("reasons"),
    reasonsAtOrBelow: t.exposeInt("reasonsAtOrBelow"),
    followUpAtOrBelow: t.exposeInt("followUpAtOrBelow"),
  }),
});

const CsatTextInput = builder.inputType("CsatTextInput", {
  fields: (t) => ({
    locale: t.string({ required: true }),
    question: t.string({ required: true }),
    thankYou: t.string({ required: true }),
  }),
});

const CsatSettingsInput = builder.inputType("CsatSettingsInput", {
  fields: (t) => ({
    enabled: t.boolean(),
    delayMinutes: t.int(),
    retentionDays: t.int(),
    reminderAfterDays: t.int(),
    defaultLocale: t.string(),
    texts: t.field({ type: [CsatTextInput] }),
    excludeLabels: t.stringList(),
    cooldownDays: t.int(),
    samplePercent: t.int(),
    reasons: t.stringList(),
    reasonsAtOrBelow: t.int(),
    followUpAtOrBelow: t.int(),
  }),
});

export const PublicCsatSurvey = builder.objectRef<PublicSurvey>("PublicCsatSurvey").implement({
  fields: (t) => ({
    question: t.string({ resolve: async (survey, _args, ctx) => (await languageOf(ctx.app, survey)).question }),
    state: t.expose("state", { type: PublicSurveyState }),
    workspaceName: t.exposeString("workspaceName"),
    score: t.exposeInt("score", { nullable: true }),
    comment: t.exposeString("comment", { nullable: true }),
  }),
});

const SubmitCsatResult = builder
  .objectRef<{ outcome: (typeof SubmitOutcome)["$inferType"]; survey: PublicSurvey | null }>("SubmitCsatResult")
  .implement({
    fields: (t) => ({
      outcome: t.expose("outcome", { type: SubmitOutcome }),
      survey: t.expose("survey", { type: PublicCsatSurvey, nullable: true }),
    }),
  });

export const CsatPrompt = builder.objectRef<Prompt>("CsatPrompt").implement({
  fields: (t) => ({
    surveyId: t.exposeID("surveyId"),
    conversationId: t.exposeID("conversationId"),
    question: t.exposeString("question"),
    token: t.exposeString("token"),
    expiresAt: t.expose("expiresAt", { type: "DateTime" }),
  }),
});

builder.queryFields((t) => ({
  csatSettings: t.field({
    type: CsatSettings,
    authScopes: { member: true },
    resolve: (_root, _args, ctx) => getCsatSettings(ctx.app, ctx.actor),
  }),
  csatSurveyByToken: t.field({
    type: PublicCsatSurvey,
    nullable: true,
    authScopes: { public: true },
    args: { token: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      await takeTokenAllowance(ctx);
      return publicSurveyByToken(ctx.app, args.token);
    },
  }),
}));

builder.mutationFields((t) => ({
  updateCsatSettings: t.field({
    type: CsatSettings,
    authScopes: { admin: true },
    args: { input: t.arg({ type: CsatSettingsInput, required: true }) },
    resolve: (_root, { input }, ctx) => updateCsatSettings(ctx.app, ctx.actor, input),
  }),
  submitCsat: t.field({
    type: SubmitCsatResult,
    authScopes: { public: true },
    args: {
      token: t.arg.string({ required: true }),
      score: t.arg.int({ required: true }),
      comment: t.arg.string(),
      reason: t.arg.string({ description: "One of the survey's reasons, with a score at or below reasonsAtOrBelow; anything else is BAD_USER_INPUT." }),
    },
    resolve: async (_root, args, ctx) => {
      await takeTokenAllowance(ctx);
      return submitCsatAnswer(ctx.app, { ...args, via: "WIDGET" });
    },
  }),
}));

builder.subscriptionField("csatRequested", (t) =>
  t.field({
    type: CsatPrompt,
    description: "The customer's widget, authenticated by its visitor token for this conversation.",
    args: { conversationId: t.arg.id({ required: true }) },
    authScopes: (_root, args) => ({ visitorOf: args.conversationId }),
    subscribe: (_root, args, ctx) => watchCsatRequests(ctx.app, ctx.actor, args.conversationId),
    resolve: (prompt) => prompt,
  }),
);
