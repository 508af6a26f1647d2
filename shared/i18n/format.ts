/**
 * Formats catalog messages (ICU MessageFormat) for one locale with FormatJS `intl-messageformat`:
 * plurals, selects, numbers and dates in that locale. Shared by the server (rating page, email)
 * and the chat widget. Each message is parsed once per translator, and one without values formatted once.
 */
import { IntlMessageFormat, type PrimitiveType } from "intl-messageformat";

export type MessageValues = Record<string, PrimitiveType>;

/** Languages written right to left, by their primary subtag. */
const RIGHT_TO_LEFT = new Set(["ar", "he", "fa", "ur"]);

/** "rtl" for a right-to-left locale, else "ltr": the `dir` of its pages and emails. */
export function textDirection(locale: string): "rtl" | "ltr" {
  return RIGHT_TO_LEFT.has(locale.split("-")[0]!.toLowerCase()) ? "rtl" : "ltr";
}

export interface Translator<K extends string> {
  locale: string;
  dir: "rtl" | "ltr";
  /** The message `key` with `values` filled in. */
  t(key: K, values?: MessageValues): string;
  /** The message `key` whose `<tag>…</tag>` parts are rendered by `tags` (rich text, e.g. a link). */
  rich(key: K, values: MessageValues, tags: Record<string, (chunks: string) => string>): string;
}

export function createTranslator<K extends string>(locale: string, messages: Record<K, string>): Translator<K> {
  const parsed = new Map<K, IntlMessageFormat>();
  // A message without values reads the same every time: formatted once.
  const fixed = new Map<K, string>();
  const format = (key: K) => {
    let message = parsed.get(key);
    if (!message) {
      message = new IntlMessageFormat(messages[key], locale);
      parsed.set(key, message);
    }
    return message;
  };
  return {
    locale,
    dir: textDirection(locale),
    t: (key, values) => {
      if (values) return String(format(key).format(values));
      let text = fixed.get(key);
      if (text === undefined) fixed.set(key, (text = String(format(key).format())));
      return text;
    },
    rich: (key, values, tags) => {
      const wrapped = Object.fromEntries(Object.entries(tags).map(([tag, render]) => [tag, (chunks: unknown[]) => render(chunks.join(""))]));
      const out = format(key).format<string>({ ...values, ...wrapped });
      return Array.isArray(out) ? out.join("") : String(out);
    },
  };
}
