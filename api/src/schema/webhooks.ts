import { builder } from "../builder.js";
import * as enums from "../generated/prisma/enums.js";
import type { WebhookDeliveryRow } from "../db/webhooks.js";
import { createWebhookEndpoint, deleteWebhookEndpoint, listWebhookDeliveries, listWebhookEndpoints } from "../services/webhookEndpoints.js";

const WebhookDeliveryState = builder.enumType(enums.WebhookDeliveryState, { name: "WebhookDeliveryState" });

const WebhookEndpoint = builder.prismaObject("WebhookEndpoint", {
  fields: (t) => ({
    id: t.exposeID("id"),
    url: t.exposeString("url"),
    events: t.exposeStringList("events"),
    enabled: t.exposeBoolean("enabled"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const CreateWebhookEndpointPayload = builder
  .objectRef<Awaited<ReturnType<typeof createWebhookEndpoint>>>("CreateWebhookEndpointPayload")
  .implement({
    fields: (t) => ({
      endpoint: t.expose("endpoint", { type: WebhookEndpoint }),
      secret: t.exposeString("secret", { description: "The whsec_ signing secret, shown this once; stored only sealed." }),
    }),
  });

const WebhookDelivery = builder.objectRef<WebhookDeliveryRow>("WebhookDelivery").implement({
  fields: (t) => ({
    id: t.exposeID("id", { description: "Also the webhook-id header." }),
    event: t.exposeString("event"),
    state: t.expose("state", { type: WebhookDeliveryState }),
    attempts: t.exposeInt("attempts"),
    responseStatus: t.exposeInt("responseStatus", { nullable: true, description: "The HTTP status of the latest answer; null when none came." }),
    lastError: t.exposeString("lastError", { nullable: true, description: "Why the latest attempt failed; null once delivered." }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    lastAttemptAt: t.expose("lastAttemptAt", { type: "DateTime", nullable: true }),
    nextAttemptAt: t.expose("nextAttemptAt", { type: "DateTime", nullable: true, description: "When it is tried next; null unless PENDING." }),
    deliveredAt: t.expose("deliveredAt", { type: "DateTime", nullable: true }),
  }),
});

builder.queryFields((t) => ({
  webhookEndpoints: t.prismaField({
    type: [WebhookEndpoint],
    authScopes: { admin: true },
    description: "The workspace's outgoing webhook endpoints, newest first; never their secrets.",
    resolve: (query, _root, _args, ctx) => listWebhookEndpoints(ctx.app, ctx.actor, query),
  }),
  webhookDeliveries: t.field({
    type: [WebhookDelivery],
    authScopes: { admin: true },
    description: "An endpoint's deliveries, newest first (at most 100).",
    args: { endpointId: t.arg.id({ required: true }), first: t.arg.int({ defaultValue: 50 }) },
    resolve: (_root, args, ctx) => listWebhookDeliveries(ctx.app, ctx.actor, args.endpointId, args.first),
  }),
}));

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: CreateWebhookEndpointPayload,
    authScopes: { admin: true },
    description:
      "Events (csat.survey.dispatched, csat.response.created, csat.followup.opened) are POSTed to url signed per Standard Webhooks. https only (http to localhost outside production); in production never to a private, loopback or link-local address. Audited.",
    args: { url: t.arg.string({ required: true }), events: t.arg.stringList({ required: true }) },
    resolve: (_root, args, ctx) => createWebhookEndpoint(ctx.app, ctx.actor, args),
  }),
  deleteWebhookEndpoint: t.boolean({
    authScopes: { admin: true },
    description: "Deletes the endpoint and its deliveries (waiting ones are not sent). False when there was none. Audited.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => deleteWebhookEndpoint(ctx.app, ctx.actor, args.id),
  }),
}));
