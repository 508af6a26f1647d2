import type { CsatPrompt } from "../pubsub.js";
import type { App } from "../deps.js";
import { dispatchSurveys } from "./csat/dispatch.js";
import { publishPrompt } from "./csat/prompts.js";

const BATCH = 200;

/**
 * Dispatches every survey whose time has come. Rows are claimed with FOR UPDATE SKIP LOCKED, so
 * schedulers in several processes share the work and none dispatches a survey twice; all state
 * lives in the database, so a restarted process picks up what fell due while it was down.
 */
export async function dispatchDueSurveys(app: App): Promise<number> {
  let total = 0;
  for (;;) {
    const now = app.clock.now();
    const { claimed, prompts } = await app.sql.transaction(async (tx) => {
      // Dispatched in (workspace, bot, channel) order: each dispatch adds to that key's CSAT
      // tallies, and taking their row locks in one order keeps concurrent batches from deadlocking.
      const due = await tx.query<{ id: string; workspace_id: string; conversation_id: string; workspace_name: string; email: string | null }>(
        `
        SELECT claimed.id, claimed.workspace_id, claimed.conversation_id, w.name AS workspace_name, cu.email
        FROM (
          SELECT id, workspace_id, conversation_id, bot_id, channel_id FROM csat_survey
          WHERE state = 'SCHEDULED' AND NOT on_hold AND due_at <= $1
          ORDER BY due_at LIMIT $2
          FOR UPDATE SKIP LOCKED
        ) AS claimed
        JOIN workspace w ON w.id = claimed.workspace_id
        JOIN conversation c ON c.id = claimed.conversation_id
        JOIN customer cu ON cu.id = c.customer_id
        ORDER BY claimed.workspace_id, coalesce(claimed.bot_id, '00000000-0000-0000-0000-000000000000'),
                 coalesce(claimed.channel_id, '00000000-0000-0000-0000-000000000000')`,
        [now, BATCH],
      );
      // The whole batch in one statement: its workspace names and emails came with the claim.
      const prompts: CsatPrompt[] = await dispatchSurveys(
        tx,
        app,
        due.map((d) => ({ id: d.id, workspaceId: d.workspace_id, conversationId: d.conversation_id, workspaceName: d.workspace_name, email: d.email })),
        now,
      );
      return { claimed: due.length, prompts };
    });
    for (const prompt of prompts) publishPrompt(app, prompt);
    total += claimed;
    if (claimed < BATCH) break;
  }
  if (total > 0) app.log.info(`[scheduler] dispatched ${total} survey(s)`);
  return total;
}
