import type { IncomingMessage, ServerResponse } from "node:http";
import type { App } from "../deps.js";
import { authenticate, bearerSecret } from "../services/auth.js";
import { answeredSurveys, type ExportedAnswer } from "../services/reports/export.js";
import { UNATTRIBUTED } from "../services/reports/report.js";
import { parseCsatRange, parseCsatWindow, type CsatRange } from "../services/reports/windows.js";
import { sendError, sendJson } from "./json.js";

export const CSAT_EXPORT_PATH = "/api/csat/export.csv";

const HEADER = [
  "survey_id",
  "conversation_id",
  "dispatched_at",
  "answered_at",
  "score",
  "comment",
  "bot_id",
  "bot",
  "channel_id",
  "channel",
  "resolved_via",
  "answered_via",
  "reason",
];

/**
 * One CSV cell (RFC 4180). Text a spreadsheet would run as a formula (starting with = + - @, a tab
 * or a carriage return) gets a leading single quote; a cell with a quote, comma or line break is
 * quoted, its quotes doubled.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvLine = (cells: (string | number | null)[]) => `${cells.map(csvCell).join(",")}\r\n`;

function answerLine(a: ExportedAnswer): string {
  return csvLine([
    a.id,
    a.conversationId,
    a.dispatchedAt.toISOString(),
    a.answeredAt.toISOString(),
    a.score,
    a.comment,
    a.botId,
    a.botName ?? UNATTRIBUTED,
    a.channelId,
    a.channelName ?? UNATTRIBUTED,
    a.resolvedVia,
    a.answeredVia,
    a.reason,
  ]);
}

/** Writes a chunk, waiting while the client is slower than the database; false once it has gone. */
async function write(res: ServerResponse, chunk: string): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
  return !res.destroyed;
}

/**
 * `GET /api/csat/export.csv?range=LAST_30_DAYS` (or `range=CUSTOM&from=…&to=…`), Bearer, ADMIN:
 * the answered surveys dispatched in the range, streamed batch by batch with back-pressure.
 */
export async function handleCsatExport(app: App, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method !== "GET") {
    sendJson(res, 405, { error: "Use GET" }, { allow: "GET" });
    return;
  }
  let batches: AsyncIterable<ExportedAnswer[]>;
  let range: CsatRange;
  try {
    const actor = (await authenticate(app, bearerSecret(req.headers.authorization))) ?? null;
    range = parseCsatRange(url.searchParams.get("range"));
    const custom = parseCsatWindow({ from: url.searchParams.get("from"), to: url.searchParams.get("to") });
    // The service decides (admins only), before the first batch and before any header is sent.
    batches = answeredSurveys(app, actor, range, custom);
  } catch (err) {
    sendError(res, err);
    return;
  }
  res.writeHead(200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="csat-${range.toLowerCase()}-${app.clock.now().toISOString().slice(0, 10)}.csv"`,
    "cache-control": "no-store",
  });
  try {
    if (!(await write(res, csvLine(HEADER)))) return;
    for await (const batch of batches) {
      if (!(await write(res, batch.map(answerLine).join("")))) return;
    }
    res.end();
  } catch (err) {
    // The status is sent; cutting the stream short is how the client learns it is incomplete.
    app.log.error("CSAT export failed mid-stream", err);
    res.destroy(err as Error);
  }
}
