import type { IncomingMessage, ServerResponse } from "node:http";
import { DomainError } from "../errors.js";
import type { App } from "../deps.js";
import { escapeHtml } from "../services/email.js";
import { describeUnsubscribe, unsubscribe } from "../services/suppressions.js";
import { acceptedLocale, pickLocale, translator } from "../services/i18n/messages.js";
import { htmlPage, sendHtml } from "./htmlPage.js";

export const UNSUBSCRIBE_PATH = /^\/api\/csat\/unsubscribe\/([^/]+)$/;

type Words = ReturnType<typeof translator>;

function page(status: number, words: Words, title: string, body: string, res: ServerResponse): void {
  sendHtml(res, status, htmlPage(title, `<h1>${escapeHtml(title)}</h1>${body}`, "", { lang: words.locale, dir: words.dir }));
}

/** The survey's own language once the link is known; before that, the browser's (else English). */
const wordsFor = (locale: string | null | undefined, req: IncomingMessage): Words =>
  translator(locale ? pickLocale(locale, "en") : (acceptedLocale(req.headers["accept-language"]) ?? "en"));

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
    const words = wordsFor(null, req);
    return page(429, words, words.t("page.tooManyHeading"), `<p>${escapeHtml(words.t("page.tooManyBody", { seconds: decision.retryAfterSeconds }))}</p>`, res);
  }
  try {
    if (req.method === "GET") {
      const { workspaceName, locale } = await describeUnsubscribe(app, token);
      const words = wordsFor(locale, req);
      return page(
        200,
        words,
        words.t("unsubscribe.askHeading"),
        `<p>${escapeHtml(words.t("unsubscribe.body", { workspace: workspaceName }))}</p>
<form method="post" action="/api/csat/unsubscribe/${escapeHtml(token)}"><button type="submit">${escapeHtml(words.t("unsubscribe.button"))}</button></form>`,
        res,
      );
    }
    const { workspaceName, locale } = await unsubscribe(app, token);
    const words = wordsFor(locale, req);
    return page(200, words, words.t("unsubscribe.doneHeading"), `<p>${escapeHtml(words.t("unsubscribe.body", { workspace: workspaceName }))}</p>`, res);
  } catch (err) {
    if (err instanceof DomainError && err.code === "NOT_FOUND") {
      const words = wordsFor(null, req);
      return page(404, words, words.t("unsubscribe.notFoundHeading"), `<p>${escapeHtml(words.t("unsubscribe.notFoundBody"))}</p>`, res);
    }
    throw err;
  }
}
