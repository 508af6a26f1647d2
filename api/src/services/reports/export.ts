import { answeredSurveysPage, type AnsweredSurveyRow } from "../../db/reports.js";
import type { Actor } from "../actors.js";
import { requireAdmin } from "../actors.js";
import type { App } from "../../deps.js";
import { csatWindows, type CsatRange } from "./windows.js";

/** One answered survey as the CSV export lists it. */
export type ExportedAnswer = AnsweredSurveyRow;

/**
 * The answered surveys of a range, oldest dispatch first, in batches: keyset pages over the
 * (workspace, dispatched_at) index, so a million rows are read with constant memory. Admins only;
 * the checks run before the first batch is asked for.
 */
export function answeredSurveys(
  app: App,
  actor: Actor | null,
  range: CsatRange,
  custom: { from?: Date | null; to?: Date | null } = {},
  batchSize = 1000,
): AsyncIterable<AnsweredSurveyRow[]> {
  const admin = requireAdmin(actor);
  const { current } = csatWindows(range, app.clock.now(), custom);
  const { from, to } = current;
  return (async function* () {
    let after: AnsweredSurveyRow | undefined;
    for (;;) {
      const batch = await answeredSurveysPage(app.sql, admin.workspaceId, { from, to }, after, batchSize);
      if (batch.length > 0) yield batch;
      if (batch.length < batchSize) return;
      after = batch[batch.length - 1];
    }
  })();
}
