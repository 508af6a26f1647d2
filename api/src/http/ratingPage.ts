import type { IncomingMessage, ServerResponse } from "node:http";
import { DomainError } from "../errors.js";
import { errorPoint } from "../faults.js";
import type { App } from "../deps.js";
import { publicSurveyByToken, submitCsatAnswer, type PublicCsatSurvey } from "../services/csat/answers.js";
import { CSAT_QUESTION } from "../services/csat/prompts.js";
import { escapeHtml } from "../services/email.js";
import { MAX_COMMENT_LENGTH } from "../services/validation.js";
import { htmlPage, sendHtml } from "./htmlPage.js";
import { HttpError, readBody } from "./json.js";

/** The rating page's own rules, after htmlPage's shared ones. */
const STYLE = `
.ws{color:#52606d;margin:0}fieldset{border:0;padding:0;margin:0 0 1rem}legend{font-weight:600;margin-bottom:.5rem}
.stars{display:flex;flex-direction:row-reverse;justify-content:flex-end;gap:.25rem}.stars input{position:absolute;opacity:0;width:1px;height:1px}
.stars label{font-size:2.5rem;line-height:1;color:#9aa5b1;cursor:pointer;padding:.1rem}.stars input:checked~label,.stars label:hover,.stars label:hover~label{color:#c77700}
.stars input:focus-visible+label{outline:3px solid #2563eb;outline-offset:2px;border-radius:4px}
label.block{display:block;font-weight:600;margin-bottom:.25rem}textarea{width:100%;min-height:6rem;font:inherit;padding:.5rem;border:1px solid #7b8794;border-radius:8px}
button{margin-top:1rem}.error{color:#b91c1c;font-weight:600}.given{font-size:1.75rem;color:#c77700}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}`;

const page = (title: string, body: string) => htmlPage(title, body, STYLE);

const starsText = (score: number) => `${"★".repeat(score)}${"☆".repeat(5 - score)}`;

function answered(survey: PublicCsatSurvey, heading: string): string {
  const score = survey.score ?? 0;
  return page(
    heading,
    `<p class="ws">${escapeHtml(survey.workspaceName)}</p><h1>${escapeHtml(heading)}</h1>
<p>Your rating: <span class="given" aria-hidden="true">${starsText(score)}</span><span class="sr">${score} out of 5 stars</span></p>
${survey.comment ? `<p>Your comment:</p><blockquote>${escapeHtml(survey.comment)}</blockquote>` : ""}`,
  );
}

function form(token: string, survey: PublicCsatSurvey, score: number | null, comment: string, error?: string): string {
  const stars = [5, 4, 3, 2, 1]
    .map(
      (n) =>
        `<input type="radio" id="s${n}" name="score" value="${n}"${n === score ? " checked" : ""} required><label for="s${n}" title="${n} star${n > 1 ? "s" : ""}"><span aria-hidden="true">★</span><span class="sr">${n} star${n > 1 ? "s" : ""}</span></label>`,
    )
    .join("");
  return page(
    CSAT_QUESTION,
    `<p class="ws">${escapeHtml(survey.workspaceName)}</p><h1>${escapeHtml(CSAT_QUESTION)}</h1>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/csat/${escapeHtml(token)}">
<fieldset><legend>Your rating</legend><div class="stars">${stars}</div></fieldset>
<label class="block" for="comment">Comment (optional)</label>
<textarea id="comment" name="comment" maxlength="${MAX_COMMENT_LENGTH}">${escapeHtml(comment)}</textarea>
<button type="submit">Submit</button>
</form>`,
  );
}

const expired = (survey: PublicCsatSurvey) =>
  page("Survey expired", `<p class="ws">${escapeHtml(survey.workspaceName)}</p><h1>This survey has expired</h1><p>Survey links work for 30 days after they are sent.</p>`);
const notFound = () => page("Survey not found", `<h1>Survey not found</h1><p>This link does not match any survey. Check that it was copied whole.</p>`);

/**
 * An error on an HTML route (the rating page, the web app) answered as a page, not JSON: 503 while
 * the database is unreachable, 500 for anything else.
 */
export function sendErrorPage(res: ServerResponse, status: 500 | 503): void {
  const html =
    status === 503
      ? page("Temporarily unavailable", `<h1>Temporarily unavailable</h1><p>We could not reach our database. Please try again in a few seconds.</p>`)
      : page("Something went wrong", `<h1>Something went wrong</h1><p>Please try again in a moment.</p>`);
  sendHtml(res, status, html, status === 503 ? { "retry-after": "5" } : {});
}

function parseScore(value: string | null): number | null {
  return value !== null && /^[1-5]$/.test(value) ? Number(value) : null;
}

/**
 * `GET /csat/:token` shows the survey (`?score=N` only preselects a star: link scanners open links);
 * `POST /csat/:token` submits the form. Both work without JavaScript.
 */
export async function handleRatingPage(app: App, req: IncomingMessage, res: ServerResponse, token: string, url: URL): Promise<void> {
  const decision = await app.limits.publicToken.take(app.limits.clientIp(req));
  if (!decision.ok) {
    const html = page("Too many requests", `<h1>Too many requests</h1><p>Please try again in ${decision.retryAfterSeconds} seconds.</p>`);
    return sendHtml(res, 429, html, { "retry-after": String(decision.retryAfterSeconds) });
  }
  if (req.method === "GET" || req.method === "HEAD") {
    errorPoint("rating:lookup", token);
    const survey = await publicSurveyByToken(app, token);
    if (!survey) return sendHtml(res, 404, notFound());
    if (survey.state === "ALREADY_SUBMITTED") return sendHtml(res, 200, answered(survey, "Already submitted."));
    if (survey.state === "EXPIRED") return sendHtml(res, 410, expired(survey));
    return sendHtml(res, 200, form(token, survey, parseScore(url.searchParams.get("score")), ""));
  }
  if (req.method !== "POST") {
    res.writeHead(405, { allow: "GET, HEAD, POST" });
    res.end();
    return;
  }
  let fields: URLSearchParams;
  try {
    fields = new URLSearchParams((await readBody(req)).toString("utf8"));
  } catch (err) {
    if (err instanceof HttpError) return sendHtml(res, err.status, page("Too large", `<h1>That was too much text</h1>`));
    throw err;
  }
  const score = parseScore(fields.get("score"));
  const comment = fields.get("comment") ?? "";
  const survey = await publicSurveyByToken(app, token);
  if (!survey) return sendHtml(res, 404, notFound());
  if (score === null) return sendHtml(res, 400, form(token, survey, null, comment, "Choose from 1 to 5 stars."));
  try {
    const result = await submitCsatAnswer(app, { token, score, comment, via: "EMAIL_LINK" });
    if (result.outcome === "ACCEPTED" && result.survey) return sendHtml(res, 200, answered(result.survey, "Thank you for your feedback!"));
    if (result.outcome === "EXPIRED" && result.survey) return sendHtml(res, 410, expired(result.survey));
    if (result.outcome === "ALREADY_SUBMITTED" && result.survey) return sendHtml(res, 409, answered(result.survey, "Already submitted."));
    return sendHtml(res, 404, notFound());
  } catch (err) {
    if (err instanceof DomainError && err.code === "BAD_USER_INPUT") {
      return sendHtml(res, 400, form(token, survey, score, comment, err.message));
    }
    throw err;
  }
}
