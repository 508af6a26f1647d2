import type { App } from "../deps.js";
import { claimDueSurveys } from "../db/scheduler.js";
import { causedBy } from "../log.js";
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
  const requests: (string | null)[] = [];
  for (;;) {
    const now = app.clock.now();
    const { claimed, prompts, dispatched } = await app.sql.transaction(async (tx) => {
      const due = await claimDueSurveys(tx, now, BATCH);
      // The whole batch in one statement: its workspace names and emails came with the claim.
      const outcome = await dispatchSurveys(tx, app, due, now);
      // Enough to name them on the pass's line, however long the backlog.
      for (const survey of due) if (requests.length < BATCH) requests.push(survey.requestId);
      return { claimed: due.length, ...outcome };
    });
    app.metrics.surveyDispatched(dispatched);
    for (const prompt of prompts) publishPrompt(app, prompt);
    total += claimed;
    if (claimed < BATCH) break;
  }
  // The line names the resolves whose surveys these were.
  if (total > 0) app.log.info(`[scheduler] dispatched ${total} survey(s)`, causedBy(requests));
  return total;
}
