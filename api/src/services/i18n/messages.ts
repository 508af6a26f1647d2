/**
 * The server's words in the customer's language: the shared catalogs (shared/i18n/catalogs), the
 * one function that picks a locale, and the team's own wording (CsatSettings.texts) over them.
 */
import Negotiator from "negotiator";
import * as ar from "../../../../shared/i18n/catalogs/ar.js";
import * as de from "../../../../shared/i18n/catalogs/de.js";
import * as en from "../../../../shared/i18n/catalogs/en.js";
import * as es from "../../../../shared/i18n/catalogs/es.js";
import * as fr from "../../../../shared/i18n/catalogs/fr.js";
import * as it from "../../../../shared/i18n/catalogs/it.js";
import * as nl from "../../../../shared/i18n/catalogs/nl.js";
import * as pt from "../../../../shared/i18n/catalogs/pt.js";
import { createTranslator, type Translator } from "../../../../shared/i18n/format.js";
import { isSupportedLocale, SUPPORTED_LOCALES, type SupportedLocale } from "./locales.js";

export type MessageKey = keyof en.WidgetMessages | keyof en.ServerMessages;

/** Every supported locale's catalog, widget and server parts together. */
export const CATALOGS: Record<SupportedLocale, { widget: Record<string, string>; server: Record<string, string> }> = { en, es, fr, de, pt, it, nl, ar };

const translators = new Map<SupportedLocale, Translator<MessageKey>>();

/** The words of a supported locale (built once per process). */
export function translator(locale: SupportedLocale): Translator<MessageKey> {
  let found = translators.get(locale);
  if (!found) {
    const { widget, server } = CATALOGS[locale];
    found = createTranslator(locale, { ...widget, ...server } as Record<MessageKey, string>);
    translators.set(locale, found);
  }
  return found;
}

/**
 * The supported locale for a customer's `wanted` locale (BCP 47): exact (`pt-BR`), then its
 * language (`pt`), then the workspace's `defaultLocale`, then `en`.
 */
export function pickLocale(wanted: string | null | undefined, defaultLocale: string): SupportedLocale {
  if (wanted) {
    const exact = wanted.toLowerCase();
    const match = SUPPORTED_LOCALES.find((l) => l.toLowerCase() === exact);
    if (match) return match;
    const base = exact.split("-")[0]!;
    if (isSupportedLocale(base)) return base;
  }
  return isSupportedLocale(defaultLocale) ? defaultLocale : "en";
}

/** The best supported locale an `Accept-Language` header asks for, by its weights; null when none. */
export function acceptedLocale(acceptLanguage: string | undefined): SupportedLocale | null {
  if (!acceptLanguage) return null;
  const [best] = new Negotiator({ headers: { "accept-language": acceptLanguage } }).languages([...SUPPORTED_LOCALES]);
  return best && isSupportedLocale(best) ? best : null;
}

/** Checks a customer's locale as BCP 47 and returns its canonical form (`pt-br` → `pt-BR`); null when it is not one. */
export function canonicalLocale(tag: string): string | null {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    return canonical ?? null;
  } catch {
    return null;
  }
}

/** The wording a customer sees for a survey: the team's own for that locale when set, else the built-in. */
export interface SurveyWording {
  locale: SupportedLocale;
  question: string;
  thankYou: string;
}

export function surveyWording(locale: SupportedLocale, texts: { locale: string; question: string; thankYou: string }[]): SurveyWording {
  const custom = texts.find((t) => t.locale === locale);
  const t = translator(locale).t;
  return { locale, question: custom?.question ?? t("question"), thankYou: custom?.thankYou ?? t("thankYou") };
}

/**
 * Every locale's reminder subject (`email.reminderSubject`, "Reminder: {subject}") as the words
 * around the survey email's own subject, for the statement that writes the reminder from it.
 */
export function reminderSubjects(): { locale: string; prefix: string; suffix: string }[] {
  const slot = "\u0000";
  return SUPPORTED_LOCALES.map((locale) => {
    const [prefix = "", suffix = ""] = translator(locale).t("email.reminderSubject", { subject: slot }).split(slot);
    return { locale, prefix, suffix };
  });
}
