/** The survey delay: 0 (immediate), a preset, or any whole number of minutes up to 7 days. */
export const MAX_DELAY_MINUTES = 7 * 24 * 60;

export const DELAY_PRESETS = [
  { minutes: 0, label: "Immediately" },
  { minutes: 60, label: "1 hour" },
  { minutes: 240, label: "4 hours" },
  { minutes: 1440, label: "24 hours" },
] as const;

export const isPreset = (minutes: number) => DELAY_PRESETS.some((preset) => preset.minutes === minutes);

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;

/** "Immediately", "1 hour", "90 minutes" → "1 hour 30 minutes", "7 days". */
export function describeDelay(minutes: number): string {
  if (minutes === 0) return "Immediately";
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  // 24 hours reads better than 1 day, as the preset says.
  if (minutes === 1440) return "24 hours";
  const parts = [days ? plural(days, "day") : "", hours ? plural(hours, "hour") : "", mins ? plural(mins, "minute") : ""];
  return parts.filter(Boolean).join(" ");
}

export type DelayParse = { ok: true; minutes: number } | { ok: false; message: string };

/** Reads the custom-minutes field; the messages say what to type instead. */
export function parseCustomDelay(text: string): DelayParse {
  const value = text.trim();
  if (value === "") return { ok: false, message: "Enter the delay in minutes." };
  if (!/^-?\d+$/.test(value)) return { ok: false, message: "Enter a whole number of minutes, like 30." };
  const minutes = Number(value);
  if (minutes < 1) return { ok: false, message: "Enter at least 1 minute, or choose Immediately." };
  if (minutes > MAX_DELAY_MINUTES) {
    return { ok: false, message: `The delay can be at most ${MAX_DELAY_MINUTES.toLocaleString("en-US")} minutes (7 days).` };
  }
  return { ok: true, minutes };
}
