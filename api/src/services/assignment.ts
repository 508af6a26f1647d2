import { findTeammateState } from "../db/teammates.js";
import { insertConversationEvent, updateAssignee, updateLabels } from "../db/conversations.js";
import { badInput, notFound } from "../errors.js";
import type { ConversationEvent } from "../pubsub.js";
import { isId } from "../tokens.js";
import type { App } from "../deps.js";
import { requireMember, type Actor } from "./actors.js";
import { auditedBy } from "./audit.js";
import { labelsSchema, parseInput } from "./validation.js";

export const CONVERSATION_ASSIGNED = "Assigned conversation";
export const CONVERSATION_LABELED = "Changed labels";

/**
 * Any member assigns a conversation to an active teammate of its workspace, or unassigns it (null).
 * A change is recorded as a conversation event (who, when, before and after). A survey already
 * dispatched keeps its credit: credit is fixed at dispatch.
 */
export async function assignConversation(app: App, actor: Actor | null, id: string, teammateId: string | null): Promise<void> {
  const member = requireMember(actor);
  if (!isId(id)) throw notFound("conversation");
  if (teammateId !== null && !isId(teammateId)) throw notFound("teammate");
  const now = app.clock.now();
  const changed = await app.sql.transaction(async (tx) => {
    if (teammateId !== null) {
      const teammate = await findTeammateState(tx, member.workspaceId, teammateId);
      if (!teammate) throw notFound("teammate");
      if (!teammate.active) throw badInput("teammateId: this teammate is deactivated");
    }
    const updated = await updateAssignee(tx, member.workspaceId, id, teammateId, now);
    if (!updated) throw notFound("conversation");
    if (updated.before === teammateId) return false;
    await insertConversationEvent(tx, {
      workspaceId: member.workspaceId,
      conversationId: id,
      action: CONVERSATION_ASSIGNED,
      ...auditedBy(member),
      before: { assigneeId: updated.before },
      after: { assigneeId: teammateId },
      createdAt: now,
    });
    return true;
  });
  if (changed) publishToTeam(app, member.workspaceId, { conversationId: id, change: "ASSIGNED", at: now });
}

/**
 * Any member replaces a conversation's labels (lower-cased, each once, at most 20); a change is
 * recorded as a conversation event. Labels decide `excludeLabels` at the first resolve.
 */
export async function setConversationLabels(app: App, actor: Actor | null, id: string, labels: unknown): Promise<void> {
  const member = requireMember(actor);
  const next = parseInput(labelsSchema, labels);
  if (!isId(id)) throw notFound("conversation");
  const now = app.clock.now();
  const changed = await app.sql.transaction(async (tx) => {
    const updated = await updateLabels(tx, member.workspaceId, id, next, now);
    if (!updated) throw notFound("conversation");
    if (JSON.stringify(updated.before) === JSON.stringify(next)) return false;
    await insertConversationEvent(tx, {
      workspaceId: member.workspaceId,
      conversationId: id,
      action: CONVERSATION_LABELED,
      ...auditedBy(member),
      before: { labels: updated.before },
      after: { labels: next },
      createdAt: now,
    });
    return true;
  });
  if (changed) publishToTeam(app, member.workspaceId, { conversationId: id, change: "LABELED", at: now });
}

/** Tells the workspace's open inboxes and the teammates following the conversation (not its widget: this is the team's business). */
function publishToTeam(app: App, workspaceId: string, event: ConversationEvent): void {
  app.pubsub.publish("workspace:conversations", workspaceId, event);
  app.pubsub.publish("conversation", event.conversationId, event);
}
