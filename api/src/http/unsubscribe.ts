import type { IncomingMessage, ServerResponse } from "node:http";
import { DomainError } from "../errors.js";
import type { App } from "../deps.js";
import { escapeHtml } from "../services/email.js";
import { describeUnsubscribe, unsubscribe } from "../services/suppressions.js";
import { htmlPage, sendHtml } from "./htmlPage.js";

export const UNSUBSCRIBE_PATH = /^\/api\/csat\/unsubscribe\/([^/]+)$/;

function page(status: number, title: string, body: string, res: ServerResponse): void {
  sendHtml(res, status, htmlPage(title, `<h1>${escapeHtml(title)}</h1>${body}`));
}

/**
 * `GET /api/csat/unsubscribe/:token` asks (a button that POSTs, so a link checker that opens the
 * link unsubscribes no one); `POST` (the button, or a mail client's RFC 8058 one-click
 * `List-Unsubscribe=One-Click`) unsubscribes. Limited per IP like the other token endpoints.
 */
export async function handleUnsubscribe(app: App, req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
  if (req.method !== "GET" && req.method !== "POST") {
    res.writeHead(405, { allow: "GET, POST", "content-type": "text/plain; charset=utf-8" }).end("Use GET or POST");
    return;
  }
  // The body (List-Unsubscribe=One-Click, or the button's empty form) carries nothing we need.
  req.resume();
  const decision = await app.limits.publicToken.take(app.limits.clientIp(req));
  if (!decision.ok) {
    res.setHeader("retry-after", String(decision.retryAfterSeconds));
    return page(429, "Too many requests", `<p>Try again in ${decision.retryAfterSeconds} seconds.</p>`, res);
  }
  try {
    if (req.method === "GET") {
      const { workspaceName } = await describeUnsubscribe(app, token);
      const ws = escapeHtml(workspaceName);
      return page(
        200,
        "Unsubscribe from survey emails?",
        `<p>You will get no more satisfaction survey emails from ${ws}.</p>
<form method="post" action="/api/csat/unsubscribe/${escapeHtml(token)}"><button type="submit">Unsubscribe</button></form>`,
        res,
      );
    }
    const { workspaceName } = await unsubscribe(app, token);
    return page(200, "You are unsubscribed", `<p>You will get no more satisfaction survey emails from ${escapeHtml(workspaceName)}.</p>`, res);
  } catch (err) {
    if (err instanceof DomainError && err.code === "NOT_FOUND") {
      return page(404, "This link does not work", "<p>The unsubscribe link is not known here, or its address was erased.</p>", res);
    }
    throw err;
  }
}
