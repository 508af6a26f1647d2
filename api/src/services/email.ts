/** The survey email: HTML with five one-click star links and a plain link, and a plain-text part. */
export interface SurveyEmail {
  subject: string;
  html: string;
  text: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderSurveyEmail(opts: { workspaceName: string; publicUrl: string; token: string; question: string }): SurveyEmail {
  const link = `${opts.publicUrl}/csat/${opts.token}`;
  const ws = escapeHtml(opts.workspaceName);
  const stars = [1, 2, 3, 4, 5]
    .map(
      (n) =>
        `<a href="${escapeHtml(`${link}?score=${n}`)}" style="display:inline-block;margin:0 4px;padding:10px 12px;border:1px solid #c7cbd1;border-radius:8px;color:#1f2933;text-decoration:none;font-size:18px" aria-label="${n} star${n > 1 ? "s" : ""}">${"★".repeat(n)}</a>`,
    )
    .join("");
  const html = `<!doctype html>
<html lang="en"><body style="margin:0;padding:24px;background:#f5f7fa;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2933">
<div style="max-width:520px;margin:0 auto;background:#fff;border-radius:12px;padding:24px">
<p style="margin:0 0 8px;color:#52606d">${ws}</p>
<h1 style="margin:0 0 16px;font-size:22px">${escapeHtml(opts.question)}</h1>
<p style="margin:0 0 16px">Rate your recent conversation with ${ws} — one click is enough:</p>
<p style="margin:0 0 20px">${stars}</p>
<p style="margin:0;font-size:14px">Or open the rating page: <a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>
<p style="margin:16px 0 0;font-size:12px;color:#7b8794">The link works for 30 days.</p>
</div></body></html>`;
  const text = [
    `${opts.question}`,
    "",
    `Rate your recent conversation with ${opts.workspaceName}:`,
    ...[1, 2, 3, 4, 5].map((n) => `${n} star${n > 1 ? "s" : ""}: ${link}?score=${n}`),
    "",
    `Rating page: ${link}`,
    "The link works for 30 days.",
  ].join("\n");
  return { subject: `How was your experience with ${opts.workspaceName}?`, html, text };
}
