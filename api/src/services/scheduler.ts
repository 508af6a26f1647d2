import type { App } from "../deps.js";
import { claimDueSurveys } from "../db/scheduler.js";
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
    const { claimed, prompts, dispatched } = await app.sql.transaction(async (tx) => {
      const due = await claimDueSurveys(tx, now, BATCH);
      // The whole batch in one statement: its workspace names and emails came with the claim.
      const outcome = await dispatchSurveys(tx, app, due, now);
      return { claimed: due.length, ...outcome };
    });
    app.metrics.surveyDispatched(dispatched);
    for (const prompt of prompts) publishPrompt(app, prompt);
    total += claimed;
    if (claimed < BATCH) break;
  }
  if (total > 0) app.log.info(`[scheduler] dispatched ${total} survey(s)`);
  return total;
}
