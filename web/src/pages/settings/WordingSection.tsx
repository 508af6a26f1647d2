import { useEffect, useId, useMemo, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import * as ar from "../../../../shared/i18n/catalogs/ar";
import * as de from "../../../../shared/i18n/catalogs/de";
import * as en from "../../../../shared/i18n/catalogs/en";
import * as es from "../../../../shared/i18n/catalogs/es";
import * as fr from "../../../../shared/i18n/catalogs/fr";
import * as it from "../../../../shared/i18n/catalogs/it";
import * as nl from "../../../../shared/i18n/catalogs/nl";
import * as pt from "../../../../shared/i18n/catalogs/pt";
import { createTranslator } from "../../../../shared/i18n/format";
import { useCurrentTeammate } from "../../currentTeammate";
import { describeError } from "../../errors";
import { graphql } from "../../gql";
import "./wording.css";

const WordingQuery = graphql(`
  query CsatWording {
    csatSettings {
      defaultLocale
      supportedLocales
      texts {
        locale
        question
        thankYou
      }
      reasons
      reasonsAtOrBelow
    }
  }
`);

const UpdateWordingMutation = graphql(`
  mutation UpdateCsatWording($input: CsatSettingsInput!) {
    updateCsatSettings(input: $input) {
      defaultLocale
      supportedLocales
      texts {
        locale
        question
        thankYou
      }
      reasons
      reasonsAtOrBelow
    }
  }
`);

const CATALOGS: Record<string, { widget: Record<string, string>; server: Record<string, string> }> = { en, es, fr, de, pt, it, nl, ar };
type Key = keyof typeof en.widget | keyof typeof en.server;

const languageNames = new Intl.DisplayNames(["en"], { type: "language" });
const languageName = (locale: string) => `${languageNames.of(locale) ?? locale} (${locale})`;

function wordsOf(locale: string) {
  const catalog = CATALOGS[locale] ?? CATALOGS.en!;
  return createTranslator<Key>(locale, { ...catalog.widget, ...catalog.server } as Record<Key, string>);
}

interface Wording {
  question: string;
  thankYou: string;
}

interface Draft {
  defaultLocale: string;
  /** The team's words per locale; an empty field keeps the built-in words. */
  texts: Record<string, Wording>;
  reasons: string;
  reasonsAtOrBelow: number;
}

function draftOf(settings: { defaultLocale: string; texts: { locale: string; question: string; thankYou: string }[]; reasons: string[]; reasonsAtOrBelow: number }): Draft {
  return {
    defaultLocale: settings.defaultLocale,
    texts: Object.fromEntries(settings.texts.map((t) => [t.locale, { question: t.question, thankYou: t.thankYou }])),
    reasons: settings.reasons.join("\n"),
    reasonsAtOrBelow: settings.reasonsAtOrBelow,
  };
}

const reasonLines = (text: string) => text.split("\n").map((line) => line.trim()).filter(Boolean);

/** The widget's rating card as a customer sees it, in `locale`, after a low score when reasons are set. */
function CardPreview({ locale, wording, reasons, atOrBelow }: { locale: string; wording: Wording; reasons: string[]; atOrBelow: number }) {
  const { t, dir } = wordsOf(locale);
  const score = reasons.length > 0 ? Math.min(atOrBelow, 2) : 4;
  return (
    <figure className="wording-preview__card" lang={locale} dir={dir} aria-label="Chat widget rating card">
      <p className="wording-preview__question">{wording.question || t("question")}</p>
      <p className="wording-preview__stars" aria-hidden="true">
        {[1, 2, 3, 4, 5].map((n) => (
          <span key={n} className={n <= score ? "on" : undefined}>
            ★
          </span>
        ))}
      </p>
      <p className="hint">{t("caption", { score, label: t(`scale.${score}` as Key) })}</p>
      {reasons.length > 0 && score <= atOrBelow ? (
        <>
          <p className="wording-preview__legend">{t("reasonLegend")}</p>
          <p className="wording-preview__reasons">
            {reasons.map((r) => (
              <span key={r}>{r}</span>
            ))}
          </p>
        </>
      ) : null}
      <p className="wording-preview__label">
        {t("comment")} <span className="muted">{t("optional")}</span>
      </p>
      <span className="wording-preview__button">{t("submit")}</span>
      <p className="wording-preview__thanks">
        <strong>{wording.thankYou || t("thankYou")}</strong> {t("thanksBody", { score })}
      </p>
    </figure>
  );
}

/** The survey email as a customer receives it, in `locale` (links are placeholders here). */
function EmailPreview({ locale, wording, workspace }: { locale: string; wording: Wording; workspace: string }) {
  const { t, dir } = wordsOf(locale);
  const expiresAt = new Date(Date.now() + 30 * 86_400_000);
  return (
    <figure className="wording-preview__email" lang={locale} dir={dir} aria-label="Survey email">
      <p className="wording-preview__subject">
        <span className="muted">Subject: </span>
        {t("email.subject", { workspace })}
      </p>
      <p className="muted">{workspace}</p>
      <p className="wording-preview__question">{wording.question || t("question")}</p>
      <p>{t("email.intro", { workspace })}</p>
      <p className="wording-preview__links" dir="ltr">
        {[1, 2, 3, 4, 5].map((n) => (
          <span key={n} title={t(`scale.${n}` as Key)}>
            {"★".repeat(n)}
          </span>
        ))}
      </p>
      <p className="hint">{t("email.validUntil", { expiresAt })}</p>
      <p className="hint">{t("email.textUnsubscribe", { workspace, link: "…" })}</p>
    </figure>
  );
}

/**
 * Settings › the survey's words: the default language, the team's own question and thank-you per
 * language (others keep the built-in words), the reasons offered after a low score, and a live
 * preview of the widget card and the email in any supported language.
 */
export function WordingSection() {
  const id = useId();
  const me = useCurrentTeammate();
  const readOnly = me?.role !== "ADMIN";
  const [{ data, error }] = useQuery({ query: WordingQuery });
  const [{ fetching: saving }, update] = useMutation(UpdateWordingMutation);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [editing, setEditing] = useState("en");
  const [preview, setPreview] = useState("en");
  const [result, setResult] = useState<{ kind: "saved" | "error"; text: string } | null>(null);
  const settings = data?.csatSettings;
  const locales = useMemo(() => settings?.supportedLocales ?? ["en"], [settings]);

  useEffect(() => {
    if (settings && !draft) setDraft(draftOf(settings));
  }, [settings, draft]);

  if (!draft) {
    return error ? (
      <p role="alert" className="alert">
        {describeError(error)}
      </p>
    ) : null;
  }

  function change(next: Partial<Draft>) {
    setDraft((current) => (current ? { ...current, ...next } : current));
    setResult(null);
  }

  function changeText(field: keyof Wording, value: string) {
    if (!draft) return;
    const current = draft.texts[editing] ?? { question: "", thankYou: "" };
    change({ texts: { ...draft.texts, [editing]: { ...current, [field]: value } } });
  }

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!draft || saving || readOnly) return;
    // A language with one field of its own keeps the built-in words for the other.
    const texts = Object.entries(draft.texts)
      .map(([locale, w]) => ({ locale, question: w.question.trim(), thankYou: w.thankYou.trim() }))
      .filter((w) => w.question || w.thankYou)
      .map((w) => ({ ...w, question: w.question || wordsOf(w.locale).t("question"), thankYou: w.thankYou || wordsOf(w.locale).t("thankYou") }));
    const response = await update({
      input: { defaultLocale: draft.defaultLocale, texts, reasons: reasonLines(draft.reasons), reasonsAtOrBelow: draft.reasonsAtOrBelow },
    });
    if (response.data) {
      setDraft(draftOf(response.data.updateCsatSettings));
      setResult({ kind: "saved", text: "Wording updated. New surveys use these words." });
    } else if (response.error) {
      setResult({ kind: "error", text: describeError(response.error) });
    }
  }

  const builtIn = wordsOf(editing);
  const own = draft.texts[editing] ?? { question: "", thankYou: "" };
  const reasons = reasonLines(draft.reasons);
  return (
    <form className="card settings-form wording" onSubmit={save} noValidate aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Language and wording</h2>
      <p className="hint">
        Customers are asked in their own language when it is one of these {locales.length}; otherwise in the default language.
      </p>
      <fieldset disabled={readOnly || !me} className="settings-form__fields">
        <div className="field">
          <label htmlFor={`${id}-default`}>Default language</label>
          <select id={`${id}-default`} value={draft.defaultLocale} onChange={(e) => change({ defaultLocale: e.target.value })}>
            {locales.map((l) => (
              <option key={l} value={l}>
                {languageName(l)}
              </option>
            ))}
          </select>
        </div>
        <fieldset className="wording__texts">
          <legend>Your own question and thank-you</legend>
          <div className="field">
            <label htmlFor={`${id}-editing`}>Language</label>
            <select id={`${id}-editing`} value={editing} onChange={(e) => setEditing(e.target.value)}>
              {locales.map((l) => (
                <option key={l} value={l}>
                  {languageName(l)}
                  {draft.texts[l] && (draft.texts[l]!.question || draft.texts[l]!.thankYou) ? " — your words" : ""}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-question`}>Question</label>
            <input
              id={`${id}-question`}
              lang={editing}
              dir="auto"
              maxLength={200}
              value={own.question}
              placeholder={builtIn.t("question")}
              onChange={(e) => changeText("question", e.target.value)}
              aria-describedby={`${id}-texts-hint`}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-thanks`}>Thank-you</label>
            <input
              id={`${id}-thanks`}
              lang={editing}
              dir="auto"
              maxLength={200}
              value={own.thankYou}
              placeholder={builtIn.t("thankYou")}
              onChange={(e) => changeText("thankYou", e.target.value)}
              aria-describedby={`${id}-texts-hint`}
            />
          </div>
          <p className="hint" id={`${id}-texts-hint`}>
            Up to 200 characters, one line. Leave empty to keep the built-in words (shown greyed); other languages keep theirs.
          </p>
        </fieldset>
        <div className="field">
          <label htmlFor={`${id}-reasons`}>Reasons to offer after a low score</label>
          <textarea
            id={`${id}-reasons`}
            rows={4}
            value={draft.reasons}
            onChange={(e) => change({ reasons: e.target.value })}
            aria-describedby={`${id}-reasons-hint`}
          />
          <p className="hint" id={`${id}-reasons-hint`}>
            One per line, up to 10, 60 characters each, shown in this order. Reasons are your workspace's own words: they are not
            translated, every customer sees them as you write them.
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-below`}>Offer them after a score of</label>
          <select id={`${id}-below`} value={draft.reasonsAtOrBelow} onChange={(e) => change({ reasonsAtOrBelow: Number(e.target.value) })}>
            {[1, 2, 3, 4, 5].map((n) => (
              <option key={n} value={n}>
                {n === 5 ? "any score" : `${n} or less`}
              </option>
            ))}
          </select>
        </div>
      </fieldset>
      <section className="wording-preview" aria-labelledby={`${id}-preview-h`}>
        <div className="wording-preview__head">
          <h3 id={`${id}-preview-h`}>Preview</h3>
          <label htmlFor={`${id}-preview`}>Language</label>
          <select id={`${id}-preview`} value={preview} onChange={(e) => setPreview(e.target.value)}>
            {locales.map((l) => (
              <option key={l} value={l}>
                {languageName(l)}
              </option>
            ))}
          </select>
        </div>
        <div className="wording-preview__panes" data-testid="wording-preview">
          <CardPreview locale={preview} wording={draft.texts[preview] ?? { question: "", thankYou: "" }} reasons={reasons} atOrBelow={draft.reasonsAtOrBelow} />
          <EmailPreview locale={preview} wording={draft.texts[preview] ?? { question: "", thankYou: "" }} workspace="Acme" />
        </div>
      </section>
      {!readOnly ? (
        <div className="form-actions">
          <button type="submit" className="button" aria-busy={saving}>
            {saving ? "Updating…" : "Update wording"}
          </button>
          <p role="status" className={result?.kind === "saved" ? "success" : undefined}>
            {result?.kind === "saved" ? result.text : ""}
          </p>
        </div>
      ) : null}
      {result?.kind === "error" ? (
        <p role="alert" className="alert">
          {result.text}
        </p>
      ) : null}
    </form>
  );
}
