import type { CsatSkipReason } from "../../generated/prisma/enums.js";

/**
 * How many conversations whose first resolve fell in a report's window made no survey, for one
 * reason (csatReport.skipped, read by `skipsOf` in report.ts).
 */
export interface CsatSkipCount {
  reason: CsatSkipReason;
  count: number;
}
