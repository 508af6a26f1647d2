import { insertAuditEntry } from "../db/audit.js";
import {
  claimSweepDay,
  customersPastRetention,
  eraseCommentsPastRetention,
  eraseCustomers,
  liveVisitorConversations,
  lockCustomer,
  recordSweep,
} from "../db/privacy.js";
import { notFound } from "../errors.js";
import { publishRevocation } from "../pubsub.js";
import type { Actor } from "./actors.js";
import { requireAdmin } from "./actors.js";
import type { App } from "../deps.js";

export const CUSTOMER_ERASED = "Erased customer data";
export const RETENTION_SWEPT = "Erased data past retention";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Erases one customer's personal data in one transaction (see `eraseCustomers`): their name,
 * email, message text and survey comments; their widget and survey tokens stop working. Scores,
 * times and bot, channel and teammate credit stay, so reports do not change. The audit entry names
 * the customer by id and counts what was erased; it holds none of the erased data.
 */
export async function eraseCustomer(app: App, actor: Actor | null, customerId: string): Promise<boolean> {
  const admin = requireAdmin(actor);
  const id = customerId.trim().toLowerCase();
  if (!UUID.test(id)) throw notFound("Customer");
  const now = app.clock.now();
  const widgets = await app.sql.transaction(async (tx) => {
    if (!(await lockCustomer(tx, admin.workspaceId, id))) throw notFound("Customer");
    const conversations = await liveVisitorConversations(tx, [id]);
    const erased = await eraseCustomers(tx, [id], now);
    await insertAuditEntry(tx, {
      workspaceId: admin.workspaceId,
      action: CUSTOMER_ERASED,
      actorId: admin.kind === "teammate" ? admin.teammateId : null,
      apiKeyId: admin.kind === "apiKey" ? admin.apiKeyId : null,
      before: { customerId: id },
      after: { customerId: id, ...erased },
      createdAt: now,
    });
    return conversations;
  });
  closeWidgets(app, widgets);
  return true;
}

export interface SweepResult {
  /** False when another process (or an earlier pass) already swept this UTC day. */
  ran: boolean;
  customers: number;
  comments: number;
}

const utcDay = (at: Date) => at.toISOString().slice(0, 10);

/**
 * The daily retention sweep: in each workspace with `retentionDays` set, customers with nothing
 * newer than the period are erased as `eraseCustomer` does, and older survey comments are blanked;
 * one audit entry per workspace counts what went. One transaction claims the UTC day in
 * retention_sweep first: a second process's claim waits for it and then finds the day taken, and a
 * sweep that fails rolls its claim back, so another pass tries again.
 */
export async function sweepRetention(app: App): Promise<SweepResult> {
  const now = app.clock.now();
  const day = utcDay(now);
  const widgets: string[] = [];
  const result = await app.sql.transaction(async (tx) => {
    widgets.length = 0;
    if (!(await claimSweepDay(tx, day, now))) return { ran: false, customers: 0, comments: 0 };
    const perWorkspace = new Map<string, { retentionDays: number; customers: number; comments: number; erased?: object }>();
    const due = await customersPastRetention(tx, now);
    const byWorkspace = new Map<string, typeof due>();
    for (const c of due) byWorkspace.set(c.workspaceId, [...(byWorkspace.get(c.workspaceId) ?? []), c]);
    for (const [workspaceId, customers] of byWorkspace) {
      widgets.push(...(await liveVisitorConversations(tx, customers.map((c) => c.id))));
      const erased = await eraseCustomers(tx, customers.map((c) => c.id), now);
      perWorkspace.set(workspaceId, { retentionDays: customers[0]!.retentionDays, customers: erased.customers, comments: erased.comments, erased });
    }
    for (const row of await eraseCommentsPastRetention(tx, now)) {
      const entry = perWorkspace.get(row.workspaceId) ?? { retentionDays: row.retentionDays, customers: 0, comments: 0 };
      entry.comments += row.comments;
      perWorkspace.set(row.workspaceId, entry);
    }
    let customers = 0;
    let comments = 0;
    for (const [workspaceId, entry] of perWorkspace) {
      customers += entry.customers;
      comments += entry.comments;
      await insertAuditEntry(tx, {
        workspaceId,
        action: RETENTION_SWEPT,
        actorId: null,
        apiKeyId: null,
        before: { retentionDays: entry.retentionDays },
        after: { retentionDays: entry.retentionDays, ...entry.erased, customers: entry.customers, comments: entry.comments },
        createdAt: now,
      });
    }
    await recordSweep(tx, day, { customers, comments });
    return { ran: true, customers, comments };
  });
  closeWidgets(app, widgets);
  return result;
}

/** An erased customer's open widgets end at once (4403), on every process: their token is gone. */
function closeWidgets(app: App, conversationIds: string[]): void {
  for (const id of conversationIds) publishRevocation(app.pubsub, { kind: "visitor", id });
}

/** Runs `sweepRetention` at most once per UTC day (of `app.clock`) from this process. */
export function createDailySweep(app: App): () => Promise<SweepResult | null> {
  let doneDay: string | null = null;
  return async () => {
    const day = utcDay(app.clock.now());
    if (day === doneDay) return null;
    const result = await sweepRetention(app);
    doneDay = day;
    return result;
  };
}
