import type { CsatPrompt } from "../pubsub.js";
import type { App } from "./app.js";
import { dispatchSurvey, publishPrompt } from "./csat.js";

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
    const { claimed, prompts } = await app.prisma.$transaction(async (tx) => {
      const due = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM csat_survey
        WHERE state = 'SCHEDULED' AND NOT on_hold AND due_at <= ${now}
        ORDER BY due_at LIMIT ${BATCH}
        FOR UPDATE SKIP LOCKED`;
      const prompts: CsatPrompt[] = [];
      for (const { id } of due) {
        const prompt = await dispatchSurvey(tx, app, id, now);
        if (prompt) prompts.push(prompt);
      }
      return { claimed: due.length, prompts };
    });
    for (const prompt of prompts) publishPrompt(app, prompt);
    total += claimed;
    if (claimed < BATCH) break;
  }
  if (total > 0) app.log.info(`[scheduler] dispatched ${total} survey(s)`);
  return total;
}
