const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dayOnly = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

/** A `<time>` with the instant machine-readable and shown in the reader's locale. */
export function Time({ value, style = "full" }: { value: string; style?: "full" | "short" }) {
  const date = new Date(value);
  const today = new Date().toDateString() === date.toDateString();
  const text = style === "short" ? (today ? timeOnly.format(date) : dayOnly.format(date)) : dateTime.format(date);
  return (
    <time dateTime={value} title={dateTime.format(date)}>
      {text}
    </time>
  );
}

export const formatDateTime = (value: string) => dateTime.format(new Date(value));
