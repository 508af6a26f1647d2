import type { ServerResponse } from "node:http";
import { escapeHtml } from "../services/email.js";

/** The headers of every server-rendered page (rating page, unsubscribe, HTML error pages). */
export const HTML_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  // Their tokens are in the URL: never hand one to another site.
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

/** The look they share: a card in the middle of the page, its heading and its button. */
const BASE_STYLE = `*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f5f7fa;color:#1f2933}
main{max-width:32rem;margin:0 auto;padding:2rem 1rem}.card{background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.5rem;margin:.25rem 0 1rem}
button{font:inherit;font-weight:600;background:#1d4ed8;color:#fff;border:0;border-radius:8px;padding:.65rem 1.25rem;cursor:pointer}
button:focus-visible{outline:3px solid #1e3a8a;outline-offset:2px}`;

/**
 * A whole page, not indexed by search engines: `title` (text, escaped here) in the tab, `body`
 * (HTML the caller has escaped) in the card, `style` the page's own rules after the shared ones,
 * in the language `lang` written in direction `dir`.
 */
export function htmlPage(title: string, body: string, style = "", language: { lang: string; dir: "ltr" | "rtl" } = { lang: "en", dir: "ltr" }): string {
  return `<!doctype html><html lang="${escapeHtml(language.lang)}" dir="${language.dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${BASE_STYLE}${style}</style></head>
<body><main><div class="card">${body}</div></main></body></html>`;
}

/** Answers with a page and the pages' headers (`headers` adds to them: retry-after). */
export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  if (!res.headersSent) res.writeHead(status, { ...HTML_HEADERS, ...headers });
  res.end(html);
}
