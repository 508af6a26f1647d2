/**
 * The locales with built-in wording for everything a customer sees (BCP 47). The catalogs under
 * this folder hold one per entry; `en` is the source every other must match key for key.
 */
export const SUPPORTED_LOCALES = ["en", "es", "fr", "de", "pt", "it", "nl", "ar"] as const;

export type SupportedLocale = (typeof SUPPORTED_LOCALES)[number];

export function isSupportedLocale(locale: string): locale is SupportedLocale {
  return (SUPPORTED_LOCALES as readonly string[]).includes(locale);
}
