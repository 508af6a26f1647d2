import type { IncomingMessage, ServerResponse } from "node:http";
import { DomainError } from "../errors.js";
import { errorPoint } from "../faults.js";
import type { App } from "../deps.js";
import {
  languageIn,
  publicSurveyByToken,
  submitCsatAnswer,
  type PublicCsatSurvey,
  type SurveyLanguage,
} from "../services/csat/answers.js";
import { escapeHtml } from "../services/email.js";
import type { SupportedLocale } from "../services/i18n/locales.js";
import { acceptedLocale, translator, type MessageKey } from "../services/i18n/messages.js";
import { MAX_COMMENT_LENGTH } from "../services/validation.js";
import { htmlPage, sendHtml } from "./htmlPage.js";
import { HttpError, readBody } from "./json.js";

/**
 * The rating page's own rules, after htmlPage's shared ones. The stars are radio buttons in their
 * natural order (1 → 5, mirrored by `dir="rtl"`), so the arrow keys move the way they point; each
 * shows its scale label; the reasons show once a score at or below the threshold is chosen (CSS only).
 */
const STYLE = `
.ws{color:#52606d;margin:0}fieldset{border:0;padding:0;margin:0 0 1rem;min-width:0}legend{font-weight:600;margin-bottom:.5rem;padding:0}
.stars{display:flex;gap:.25rem}.stars input{position:absolute;opacity:0;width:1px;height:1px}
.stars label{flex:1 1 0;min-width:0;display:flex;flex-direction:column;align-items:center;gap:.15rem;cursor:pointer;padding:.35rem .1rem;border-radius:8px;text-align:center}
.stars .star{font-size:2.25rem;line-height:1;color:#9aa5b1}.stars .scale{font-size:.75rem;line-height:1.2;color:#52606d;overflow-wrap:anywhere}
.stars label:has(~ input:checked) .star,.stars input:checked + label .star{color:#c77700}.stars input:checked + label .scale{color:#1f2933;font-weight:600}
.stars label:hover{background:#f0f4f8}.stars input:focus-visible+label{outline:3px solid #2563eb;outline-offset:2px}
.reasons{display:none}.reasons label{display:block;padding:.2rem 0}.reasons input{margin-inline-end:.5rem}
label.block{display:block;font-weight:600;margin-bottom:.25rem}textarea{width:100%;min-height:6rem;font:inherit;padding:.5rem;border:1px solid #7b8794;border-radius:8px}
button{margin-top:1rem}.error{color:#b91c1c;font-weight:600;margin:.25rem 0 .5rem}.given{font-size:1.75rem;color:#c77700}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}`;

/** Shows the reasons fieldset once a score at or below `atOrBelow` is checked (no JavaScript). */
const reasonsStyle = (atOrBelow: number) =>
  Array.from({ length: atOrBelow }, (_, i) => `form:has(#s${i + 1}:checked) .reasons`).join(",") + "{display:block}";

interface PageWords {
  locale: SupportedLocale;
  t: (key: MessageKey, values?: Record<string, string | number | Date>) => string;
  dir: "ltr" | "rtl";
}

function wordsFor(locale: SupportedLocale): PageWords {
  const { t, dir } = translator(locale);
  return { locale, t, dir };
}

const page = (words: PageWords, title: string, body: string, style = "") =>
  htmlPage(title, body, STYLE + style, { lang: words.locale, dir: words.dir });

const starsText = (score: number) => `${"★".repeat(score)}${"☆".repeat(5 - score)}`;

/**
 * The language a page is shown in: the survey's, unless the customer never gave one (then the
 * browser's Accept-Language, when it names a supported one); without a survey, the browser's or English.
 */
function pageLanguage(req: IncomingMessage, survey: PublicCsatSurvey | null): { words: PageWords; language: SurveyLanguage | null } {
  const browser = acceptedLocale(req.headers["accept-language"]);
  const stored = survey?.language ?? null;
  if (!stored) return { words: wordsFor(browser ?? "en"), language: null };
  const language = stored.customerLocale === null && browser ? languageIn(stored, browser) : stored;
  return { words: wordsFor(language.locale), language };
}

function answered(words: PageWords, survey: PublicCsatSurvey, heading: string): string {
  const { t } = words;
  const score = survey.score ?? 0;
  return page(
    words,
    heading,
    `<p class="ws">${escapeHtml(survey.workspaceName)}</p><h1>${escapeHtml(heading)}</h1>
<p>${escapeHtml(t("page.rating"))}: <span class="given" aria-hidden="true" dir="ltr">${starsText(score)}</span><span class="sr">${escapeHtml(t("page.given", { score }))}</span></p>
${survey.reason ? `<p>${escapeHtml(t("reasonLegend"))}</p><blockquote>${escapeHtml(survey.reason)}</blockquote>` : ""}
${survey.comment ? `<p>${escapeHtml(t("page.yourComment"))}</p><blockquote>${escapeHtml(survey.comment)}</blockquote>` : ""}`,
  );
}

interface FormValues {
  score: number | null;
  comment: string;
  reason: string | null;
  error?: string;
}

function form(words: PageWords, token: string, survey: PublicCsatSurvey, language: SurveyLanguage, values: FormValues): string {
  const { t } = words;
  const invalid = values.error && values.score === null;
  const stars = [1, 2, 3, 4, 5]
    .map(
      (n) =>
        `<input type="radio" id="s${n}" name="score" value="${n}"${n === values.score ? " checked" : ""} required${invalid ? ' aria-invalid="true"' : ""}><label for="s${n}"><span class="star" aria-hidden="true">★</span><span class="sr">${escapeHtml(t("stars", { count: n }))}, </span><span class="scale">${escapeHtml(t(`scale.${n}` as MessageKey))}</span></label>`,
    )
    .join("");
  const offered = language.reasons.length > 0;
  const reasons = offered
    ? `<fieldset class="reasons"><legend>${escapeHtml(t("reasonLegend"))}</legend>
${[...language.reasons.map((r, i) => ({ id: `r${i}`, value: r, label: r })), { id: "r-none", value: "", label: t("page.noReason") }]
  .map(
    (r) =>
      `<label for="${r.id}"><input type="radio" id="${r.id}" name="reason" value="${escapeHtml(r.value)}"${(values.reason ?? "") === r.value ? " checked" : ""}>${escapeHtml(r.label)}</label>`,
  )
  .join("\n")}</fieldset>`
    : "";
  const error = values.error ? `<p class="error" id="form-error" role="alert">${escapeHtml(values.error)}</p>` : "";
  return page(
    words,
    language.question,
    `<p class="ws">${escapeHtml(survey.workspaceName)}</p><h1>${escapeHtml(language.question)}</h1>
<form method="post" action="/csat/${escapeHtml(token)}" novalidate>
<fieldset${values.error ? ' aria-describedby="form-error"' : ""}><legend>${escapeHtml(t("page.rating"))}</legend>${invalid ? error : ""}<div class="stars">${stars}</div></fieldset>
${reasons}
${values.error && !invalid ? error : ""}
<label class="block" for="comment">${escapeHtml(t("comment"))} ${escapeHtml(t("optional"))}</label>
<textarea id="comment" name="comment" maxlength="${MAX_COMMENT_LENGTH}">${escapeHtml(values.comment)}</textarea>
<button type="submit">${escapeHtml(t("submit"))}</button>
</form>`,
    offered ? reasonsStyle(language.reasonsAtOrBelow) : "",
  );
}

function expired(words: PageWords, survey: PublicCsatSurvey): string {
  const { t } = words;
  const heading = t("page.expiredHeading");
  const when = survey.expiresAt ? `<p>${escapeHtml(t("page.expiredBody", { expiresAt: survey.expiresAt }))}</p>` : "";
  return page(words, heading, `<p class="ws">${escapeHtml(survey.workspaceName)}</p><h1>${escapeHtml(heading)}</h1>${when}`);
}

function notFound(words: PageWords): string {
  const heading = words.t("page.notFoundHeading");
  return page(words, heading, `<h1>${escapeHtml(heading)}</h1><p>${escapeHtml(words.t("page.notFoundBody"))}</p>`);
}

function message(words: PageWords, headingKey: MessageKey, bodyKey: MessageKey, values?: Record<string, number>): string {
  const heading = words.t(headingKey);
  return page(words, heading, `<h1>${escapeHtml(heading)}</h1><p>${escapeHtml(words.t(bodyKey, values))}</p>`);
}

/**
 * An error on an HTML route (the rating page, the web app) answered as a page, not JSON: 503 while
 * the database is unreachable, 500 for anything else; in the browser's language when supported.
 */
export function sendErrorPage(res: ServerResponse, status: 500 | 503, req?: IncomingMessage): void {
  const words = wordsFor(acceptedLocale(req?.headers["accept-language"]) ?? "en");
  const html =
    status === 503 ? message(words, "page.unavailableHeading", "page.unavailableBody") : message(words, "page.errorHeading", "page.errorBody");
  sendHtml(res, status, html, status === 503 ? { "retry-after": "5" } : {});
}

function parseScore(value: string | null): number | null {
  return value !== null && /^[1-5]$/.test(value) ? Number(value) : null;
}

/**
 * `GET /csat/:token` shows the survey (`?score=N` only preselects a star: link scanners open links;
 * `?done=1` after an answer shows the thank-you); `POST /csat/:token` submits the form and, once
 * stored, redirects (303) to the thank-you so a reload does not post again. Both work without
 * JavaScript, and every answer, error included, is a page in the customer's language.
 */
export async function handleRatingPage(app: App, req: IncomingMessage, res: ServerResponse, token: string, url: URL): Promise<void> {
  const decision = await app.limits.publicToken.take(app.limits.clientIp(req));
  if (!decision.ok) {
    const words = pageLanguage(req, null).words;
    const html = message(words, "page.tooManyHeading", "page.tooManyBody", { seconds: decision.retryAfterSeconds });
    return sendHtml(res, 429, html, { "retry-after": String(decision.retryAfterSeconds) });
  }
  if (req.method === "GET" || req.method === "HEAD") {
    errorPoint("rating:lookup", token);
    const survey = await publicSurveyByToken(app, token);
    const { words, language } = pageLanguage(req, survey);
    if (!survey || !language) return sendHtml(res, 404, notFound(words));
    if (survey.state === "ALREADY_SUBMITTED") {
      const heading = url.searchParams.get("done") === "1" ? language.thankYou : words.t("page.alreadySubmitted");
      return sendHtml(res, 200, answered(words, survey, heading));
    }
    if (survey.state === "EXPIRED") return sendHtml(res, 410, expired(words, survey));
    return sendHtml(res, 200, form(words, token, survey, language, { score: parseScore(url.searchParams.get("score")), comment: "", reason: null }));
  }
  if (req.method !== "POST") {
    const words = pageLanguage(req, null).words;
    return sendHtml(res, 405, message(words, "page.errorHeading", "page.errorBody"), { allow: "GET, HEAD, POST" });
  }
  let fields: URLSearchParams;
  try {
    fields = new URLSearchParams((await readBody(req)).toString("utf8"));
  } catch (err) {
    if (err instanceof HttpError) return sendHtml(res, err.status, message(pageLanguage(req, null).words, "page.tooLargeHeading", "page.tooLargeBody"));
    throw err;
  }
  const score = parseScore(fields.get("score"));
  const comment = fields.get("comment") ?? "";
  const survey = await publicSurveyByToken(app, token);
  const { words, language } = pageLanguage(req, survey);
  if (!survey || !language) return sendHtml(res, 404, notFound(words));
  // A reason stays only with a score it is offered for (the page hides it otherwise).
  const picked = fields.get("reason") || null;
  const reason = score !== null && score <= language.reasonsAtOrBelow ? picked : null;
  if (score === null) return sendHtml(res, 400, form(words, token, survey, language, { score, comment, reason: picked, error: words.t("errorNoScore") }));
  try {
    const result = await submitCsatAnswer(app, { token, score, comment, reason, via: "EMAIL_LINK" });
    if (result.outcome === "ACCEPTED") {
      res.writeHead(303, { location: `/csat/${encodeURIComponent(token)}?done=1`, "cache-control": "no-store", "referrer-policy": "no-referrer" });
      res.end();
      return;
    }
    if (result.outcome === "EXPIRED" && result.survey) return sendHtml(res, 410, expired(words, result.survey));
    if (result.outcome === "ALREADY_SUBMITTED" && result.survey) return sendHtml(res, 409, answered(words, result.survey, words.t("page.alreadySubmitted")));
    return sendHtml(res, 404, notFound(words));
  } catch (err) {
    if (err instanceof DomainError && err.code === "BAD_USER_INPUT") {
      const error = words.t(err.message.startsWith("reason") ? "page.badReason" : "page.badComment");
      return sendHtml(res, 400, form(words, token, survey, language, { score, comment, reason, error }));
    }
    throw err;
  }
}
