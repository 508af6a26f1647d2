/** The widget's part of every catalog (the server's part stays out of the widget's bundle). */
import { widget as ar } from "./catalogs/ar.js";
import { widget as de } from "./catalogs/de.js";
import { widget as en, type WidgetMessages } from "./catalogs/en.js";
import { widget as es } from "./catalogs/es.js";
import { widget as fr } from "./catalogs/fr.js";
import { widget as it } from "./catalogs/it.js";
import { widget as nl } from "./catalogs/nl.js";
import { widget as pt } from "./catalogs/pt.js";
import { createTranslator, type Translator } from "./format.js";

export type WidgetKey = keyof WidgetMessages;

export const WIDGET_CATALOGS: Record<string, Record<WidgetKey, string>> = { en, es, fr, de, pt, it, nl, ar };

/** The widget's words in `locale` (exact, then its language, then English). */
export function widgetTranslator(locale: string | null | undefined): Translator<WidgetKey> {
  const exact = locale && WIDGET_CATALOGS[locale] ? locale : null;
  const base = locale ? locale.split("-")[0]!.toLowerCase() : "";
  const chosen = exact ?? (WIDGET_CATALOGS[base] ? base : "en");
  return createTranslator(chosen, WIDGET_CATALOGS[chosen]!);
}
