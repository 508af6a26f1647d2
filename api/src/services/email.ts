import { sha256 } from "../tokens.js";
import type { SupportedLocale } from "./i18n/locales.js";
import { translator, type MessageKey, type SurveyWording } from "./i18n/messages.js";

/** The survey email: HTML with five one-click star links and a plain link, and a plain-text part. */
export interface SurveyEmail {
  subject: string;
  html: string;
  text: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Subjects stay within what every mail client shows whole. */
export const MAX_SUBJECT_LENGTH = 120;

/** Text on one line: control characters and line breaks become spaces, runs of space one. */
export function oneLine(text: string): string {
  return text.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, " ").replace(/\s+/g, " ").trim();
}

/** Cuts `text` to at most `max` characters (whole code points), ending with … when cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("").trimEnd()}…`;
}

/**
 * The one-click unsubscribe link of a survey email (the List-Unsubscribe header and the footer).
 * It carries the SHA-256 of the survey token, which the database keeps: it can stop emails but
 * cannot open the survey, so a mail provider that reads the header learns nothing it could rate with.
 */
export function unsubscribeUrl(publicUrl: string, surveyTokenHash: string): string {
  return `${publicUrl}/api/csat/unsubscribe/${surveyTokenHash}`;
}

const starLabelsByLocale = new Map<SupportedLocale, { text: string[]; html: string[]; titles: string[] }>();

/** "1 star" … "5 stars" (plain and escaped) and "Very poor" … "Excellent" (escaped) in `locale`: the same in every email, made once. */
function starLabels(locale: SupportedLocale) {
  let labels = starLabelsByLocale.get(locale);
  if (!labels) {
    const { t } = translator(locale);
    const text = [1, 2, 3, 4, 5].map((n) => t("stars", { count: n }));
    labels = { text, html: text.map(escapeHtml), titles: [1, 2, 3, 4, 5].map((n) => escapeHtml(t(`scale.${n}` as MessageKey))) };
    starLabelsByLocale.set(locale, labels);
  }
  return labels;
}

/**
 * The survey email in the survey's language (`wording.locale`; `dir="rtl"` for Arabic): the team's
 * question or the built-in one, five one-click star links, the rating page's link, until when it
 * works (a date in that locale) and the unsubscribe link. Every word comes from the catalogs.
 */
export function renderSurveyEmail(opts: {
  workspaceName: string;
  publicUrl: string;
  token: string;
  wording: SurveyWording;
  expiresAt: Date;
}): SurveyEmail {
  const { t, rich, dir, locale } = translator(opts.wording.locale);
  const link = `${opts.publicUrl}/csat/${opts.token}`;
  const unsubscribe = unsubscribeUrl(opts.publicUrl, sha256(opts.token));
  // A name from before names were checked may still hold line breaks: never in a header, nor a line of its own.
  const name = oneLine(opts.workspaceName);
  const fullSubject = t("email.subject", { workspace: name });
  const over = [...fullSubject].length - MAX_SUBJECT_LENGTH;
  const subject = over > 0 ? t("email.subject", { workspace: truncate(name, Math.max(1, [...name].length - over)) }) : fullSubject;
  const ws = escapeHtml(name);
  const labels = starLabels(opts.wording.locale);
  const stars = [1, 2, 3, 4, 5]
    .map(
      (n) =>
        `<a href="${escapeHtml(`${link}?score=${n}`)}" style="display:inline-block;margin:0 4px;padding:10px 12px;border:1px solid #c7cbd1;border-radius:8px;color:#1f2933;text-decoration:none;font-size:18px" aria-label="${labels.html[n - 1]}" title="${labels.titles[n - 1]}">${"★".repeat(n)}</a>`,
    )
    .join("");
  const validUntil = t("email.validUntil", { expiresAt: opts.expiresAt });
  const html = `<!doctype html>
<html lang="${locale}" dir="${dir}"><body dir="${dir}" style="margin:0;padding:24px;background:#f5f7fa;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2933">
<div style="max-width:520px;margin:0 auto;background:#fff;border-radius:12px;padding:24px">
<p style="margin:0 0 8px;color:#52606d">${ws}</p>
<h1 style="margin:0 0 16px;font-size:22px">${escapeHtml(opts.wording.question)}</h1>
<p style="margin:0 0 16px">${escapeHtml(t("email.intro", { workspace: name }))}</p>
<p style="margin:0 0 20px" dir="ltr">${stars}</p>
<p style="margin:0;font-size:14px">${escapeHtml(t("email.openPage"))} <a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>
<p style="margin:16px 0 0;font-size:12px;color:#7b8794">${escapeHtml(validUntil)}</p>
<p style="margin:8px 0 0;font-size:12px;color:#7b8794">${rich("email.unsubscribe", { workspace: ws }, { a: (chunks) => `<a href="${escapeHtml(unsubscribe)}" style="color:#7b8794">${escapeHtml(chunks)}</a>` })}</p>
</div></body></html>`;
  const text = [
    opts.wording.question,
    "",
    t("email.textIntro", { workspace: name }),
    ...[1, 2, 3, 4, 5].map((n) => `${labels.text[n - 1]}: ${link}?score=${n}`),
    "",
    t("email.textPage", { link }),
    validUntil,
    "",
    t("email.textUnsubscribe", { workspace: name, link: unsubscribe }),
  ].join("\n");
  return { subject, html, text };
}
