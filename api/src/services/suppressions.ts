import { findUnsubscribeTarget, suppressEmail } from "../db/suppressions.js";
import { notFound } from "../errors.js";
import type { App } from "../deps.js";

/** Unsubscribe links carry the SHA-256 (64 hex) of a survey token; see `unsubscribeUrl`. */
export const UNSUBSCRIBE_TOKEN_PATTERN = /^[0-9a-f]{64}$/;

async function target(app: App, token: string) {
  const found = UNSUBSCRIBE_TOKEN_PATTERN.test(token) ? await findUnsubscribeTarget(app.sql, token) : undefined;
  if (!found?.email) throw notFound("unsubscribe link");
  return { ...found, email: found.email };
}

/** What the unsubscribe page asks about: the workspace whose survey emails stop. */
export async function describeUnsubscribe(app: App, token: string): Promise<{ workspaceName: string; locale: string }> {
  const { workspaceName, locale } = await target(app, token);
  return { workspaceName, locale };
}

/**
 * One-click unsubscribe: the survey's customer address gets no more survey emails from its
 * workspace, starting with those waiting in the outbox. Repeating it changes nothing.
 */
export async function unsubscribe(app: App, token: string): Promise<{ workspaceName: string; locale: string }> {
  const { workspaceId, workspaceName, email, locale } = await target(app, token);
  const stopped = await app.sql.transaction((tx) => suppressEmail(tx, workspaceId, email, "UNSUBSCRIBED", app.clock.now()));
  app.log.info(`[outbox] an address unsubscribed from workspace ${workspaceId}${stopped ? `; ${stopped} waiting email(s) suppressed` : ""}`);
  return { workspaceName, locale };
}
