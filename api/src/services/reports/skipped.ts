import type { CsatSkipReason } from "../../generated/prisma/enums.js";
import { countSkipped } from "../../db/conversations.js";
import type { App } from "../../deps.js";
import type { CsatWindow } from "./windows.js";

export interface CsatSkipCount {
  reason: CsatSkipReason;
  count: number;
}

/**
 * The conversations whose first resolve fell in the report's window and made no survey, counted by
 * why (most first). Read only when a report asks for it.
 */
export function skippedResolves(app: App, report: CsatWindow & { workspaceId: string }): Promise<CsatSkipCount[]> {
  return countSkipped(app.sql, report.workspaceId, report);
}
