import { randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import { badInput, notFound } from "../errors.js";
import type { Prisma } from "../generated/prisma/client.js";
import { WEBHOOK_EVENTS, listDeliveries, type WebhookEvent } from "../db/webhooks.js";
import type { App } from "../deps.js";
import type { Actor } from "./actors.js";
import { requireAdmin } from "./actors.js";
import { auditedBy } from "./audit.js";
import { checkEndpointUrl } from "./webhookTargets.js";
import { sealSecret } from "./webhookSecrets.js";
import { pageSize, parseInput } from "./validation.js";
import { isId } from "../tokens.js";

export const WEBHOOK_ENDPOINT_CREATED = "Created webhook endpoint";
export const WEBHOOK_ENDPOINT_DELETED = "Deleted webhook endpoint";
/** Endpoints per workspace: each event is POSTed to each, so their number is bounded. */
export const MAX_WEBHOOK_ENDPOINTS = 10;

/** Prisma's include/select for endpoints, as GraphQL selections plan it. */
export type WebhookEndpointQuery = Pick<Prisma.WebhookEndpointFindManyArgs, "include" | "select">;

const eventsSchema = z
  .array(z.enum(WEBHOOK_EVENTS, { error: `events must be among ${WEBHOOK_EVENTS.join(", ")}` }))
  .min(1, "events must name at least one event")
  .max(WEBHOOK_EVENTS.length * 2, "events must name each event at most once")
  .transform((events) => [...new Set(events)] as WebhookEvent[]);

/** What an audit entry keeps of an endpoint: never its secret. */
const described = (endpoint: { id: string; url: string; events: string[] }) => ({ id: endpoint.id, url: endpoint.url, events: endpoint.events });

/**
 * Registers an endpoint of the admin's workspace (ADMIN, a teammate or an API key); its `whsec_`
 * signing secret is returned this once and stored only sealed. The URL is checked before anything
 * is written (https; in production a public address), and refused with BAD_USER_INPUT.
 */
export async function createWebhookEndpoint(app: App, actor: Actor | null, input: { url: string; events: string[] }) {
  const admin = requireAdmin(actor);
  const events = parseInput(eventsSchema, input.events);
  const url = await checkEndpointUrl(input.url, app.config.production);
  const id = randomUUID();
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  const now = app.clock.now();
  const endpoint = await app.prisma.$transaction(async (tx) => {
    if ((await tx.webhookEndpoint.count({ where: { workspaceId: admin.workspaceId } })) >= MAX_WEBHOOK_ENDPOINTS) {
      throw badInput(`a workspace may have at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints; delete one first`);
    }
    const created = await tx.webhookEndpoint.create({
      data: { id, workspaceId: admin.workspaceId, url, events, secretSealed: sealSecret(app, id, secret), createdAt: now },
    });
    await tx.auditEntry.create({
      data: { workspaceId: admin.workspaceId, action: WEBHOOK_ENDPOINT_CREATED, ...auditedBy(admin), before: {}, after: described(created), createdAt: now },
    });
    return created;
  });
  return { endpoint, secret };
}

/** The workspace's endpoints, newest first; never their secrets. */
export async function listWebhookEndpoints(app: App, actor: Actor | null, query: WebhookEndpointQuery = {}) {
  const admin = requireAdmin(actor);
  return app.prisma.webhookEndpoint.findMany({ ...query, where: { workspaceId: admin.workspaceId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
}

/** Deletes an endpoint of the workspace with its deliveries (those still waiting are not sent). True when there was one. */
export async function deleteWebhookEndpoint(app: App, actor: Actor | null, id: string): Promise<boolean> {
  const admin = requireAdmin(actor);
  if (!isId(id)) return false;
  const now = app.clock.now();
  return app.prisma.$transaction(async (tx) => {
    const deleted = await tx.webhookEndpoint.findFirst({ where: { id, workspaceId: admin.workspaceId }, select: { id: true, url: true, events: true } });
    if (!deleted || (await tx.webhookEndpoint.deleteMany({ where: { id, workspaceId: admin.workspaceId } })).count === 0) return false;
    await tx.auditEntry.create({
      data: { workspaceId: admin.workspaceId, action: WEBHOOK_ENDPOINT_DELETED, ...auditedBy(admin), before: described(deleted), after: {}, createdAt: now },
    });
    return true;
  });
}

/** An endpoint's deliveries, newest first (ADMIN); NOT_FOUND for an endpoint not of the workspace. */
export async function listWebhookDeliveries(app: App, actor: Actor | null, endpointId: string, first: number | null | undefined) {
  const admin = requireAdmin(actor);
  const take = pageSize(first, 50);
  const endpoint = isId(endpointId) ? await app.prisma.webhookEndpoint.findFirst({ where: { id: endpointId, workspaceId: admin.workspaceId }, select: { id: true } }) : null;
  if (!endpoint) throw notFound("Webhook endpoint");
  return listDeliveries(app.sql, admin.workspaceId, endpointId, take);
}
