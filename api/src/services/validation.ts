import { z } from "zod";
import { badInput } from "../errors.js";
import { isSupportedLocale, SUPPORTED_LOCALES } from "./i18n/locales.js";
import { canonicalLocale } from "./i18n/messages.js";

/** Parses `value` with `schema`, turning the first issue into a clear BAD_USER_INPUT error. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length ? `${issue.path.join(".")}: ` : "";
  throw badInput(`${where}${issue?.message ?? "invalid input"}`);
}

/** Text PostgreSQL can store exactly as given: no NUL, no unpaired surrogate halves. */
export const storableText = (s: string) => !s.includes("\u0000") && s.isWellFormed();

const trimmed = (label: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, `${label} must not be empty`)
    .max(max, `${label} must be at most ${max} characters`)
    .refine(storableText, `${label} must not contain NUL characters or unpaired surrogates`);

/** Control characters (C0, DEL, C1) and the line and paragraph separators: no place in a name. */
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

/** Names (workspaces, teammates, bots, channels, customers, keys): one line of text, no control characters. */
export const nameSchema = (label: string) =>
  trimmed(label, 200).refine((s) => !CONTROL.test(s), `${label} must not contain control characters or line breaks`);
export const emailSchema = z
  .string()
  .trim()
  .max(254, "email must be at most 254 characters")
  .email("email must be a valid address")
  .transform((s) => s.toLowerCase());
export const passwordSchema = z
  .string()
  .min(8, "password must be at least 8 characters")
  .max(200, "password must be at most 200 characters");
export const messageBodySchema = trimmed("message", 10_000);

export const MAX_DELAY_MINUTES = 10_080;
export const MAX_COMMENT_LENGTH = 2_000;
export const MIN_RETENTION_DAYS = 30;
export const MAX_RETENTION_DAYS = 3650;

/** A conversation label: one short word or phrase, compared lower-cased. */
export const labelSchema = z
  .string({ error: "a label must be text" })
  .trim()
  .min(1, "a label must not be empty")
  .max(50, "a label must be at most 50 characters")
  .refine((s) => !CONTROL.test(s) && storableText(s), "a label must not contain control characters or line breaks")
  .transform((s) => s.toLowerCase());

export const MAX_LABELS = 20;
/** A list of labels: lower-cased, each once, at most 20. */
export const labelsSchema = z
  .array(labelSchema, { error: "labels must be a list of text" })
  .transform((labels) => [...new Set(labels)])
  .refine((labels) => labels.length <= MAX_LABELS, `at most ${MAX_LABELS} labels`);

/** Customer-facing wording the team writes: plain text on one line, no control characters. */
const wordingSchema = (label: string, max: number) =>
  trimmed(label, max).refine((s) => !CONTROL.test(s), `${label} must not contain control characters or line breaks`);

export const MAX_REASONS = 10;
export const reasonSchema = wordingSchema("a reason", 60);

const wholeNumber = (label: string, min: number, max: number, hint = "") =>
  z
    .number({ error: `${label} must be a whole number` })
    .int(`${label} must be a whole number`)
    .min(min, `${label} must be from ${min} to ${max}${hint}`)
    .max(max, `${label} must be from ${min} to ${max}${hint}`);

export const csatSettingsInputSchema = z.object({
  enabled: z.boolean({ error: "enabled must be true or false" }).nullish(),
  delayMinutes: z
    .number({ error: "delayMinutes must be a whole number" })
    .int("delayMinutes must be a whole number of minutes")
    .min(0, "delayMinutes must be 0 (immediate) or more")
    .max(MAX_DELAY_MINUTES, `delayMinutes must be at most ${MAX_DELAY_MINUTES} (7 days)`)
    .nullish(),
  retentionDays: z
    .number({ error: "retentionDays must be a whole number" })
    .int("retentionDays must be a whole number of days")
    .refine(
      (n) => n === 0 || (n >= MIN_RETENTION_DAYS && n <= MAX_RETENTION_DAYS),
      `retentionDays must be 0 (keep everything) or from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}`,
    )
    .nullish(),
  reminderAfterDays: z
    .number({ error: "reminderAfterDays must be a whole number" })
    .int("reminderAfterDays must be a whole number of days")
    .min(0, "reminderAfterDays must be 0 (no reminder) or more")
    .max(29, "reminderAfterDays must be at most 29 (a survey expires after 30 days)")
    .nullish(),
  defaultLocale: z
    .string({ error: "defaultLocale must be text" })
    .refine(isSupportedLocale, `defaultLocale must be one of ${SUPPORTED_LOCALES.join(", ")}`)
    .nullish(),
  texts: z
    .array(
      z.object({
        locale: z.string().refine(isSupportedLocale, `locale must be one of ${SUPPORTED_LOCALES.join(", ")}`),
        question: wordingSchema("question", 200),
        thankYou: wordingSchema("thankYou", 200),
      }),
    )
    .refine((texts) => new Set(texts.map((t) => t.locale)).size === texts.length, "texts: one entry per locale")
    .nullish(),
  excludeLabels: labelsSchema.nullish(),
  cooldownDays: wholeNumber("cooldownDays", 0, 365, " (0 = off)").nullish(),
  samplePercent: wholeNumber("samplePercent", 1, 100).nullish(),
  reasons: z
    .array(reasonSchema, { error: "reasons must be a list of text" })
    .max(MAX_REASONS, `at most ${MAX_REASONS} reasons`)
    .refine((reasons) => new Set(reasons).size === reasons.length, "each reason at most once")
    .nullish(),
  reasonsAtOrBelow: wholeNumber("reasonsAtOrBelow", 1, 5).nullish(),
  followUpAtOrBelow: wholeNumber("followUpAtOrBelow", 0, 5, " (0 = off)").nullish(),
});

/** A customer's language as BCP 47 (`es`, `pt-BR`), kept in its canonical form. */
export const localeSchema = z
  .string({ error: "locale must be text" })
  .trim()
  .max(35, "locale must be at most 35 characters")
  .transform((tag, ctx) => {
    const canonical = canonicalLocale(tag);
    if (!canonical) ctx.addIssue({ code: "custom", message: "locale must be a BCP 47 language tag, such as es or pt-BR" });
    return canonical ?? tag;
  });

export const scoreSchema = z
  .number({ error: "score must be a whole number from 1 to 5" })
  .int("score must be a whole number from 1 to 5")
  .min(1, "score must be a whole number from 1 to 5")
  .max(5, "score must be a whole number from 1 to 5");

export const commentSchema = z
  .string({ error: "comment must be text" })
  .refine((s) => [...s].length <= MAX_COMMENT_LENGTH, `comment must be at most ${MAX_COMMENT_LENGTH} characters`)
  .refine(storableText, "comment must not contain NUL characters or unpaired surrogates")
  .nullish();

/** List sizes: `first` defaults per field, never more than 100. */
export function pageSize(first: number | null | undefined, fallback: number): number {
  if (first === null || first === undefined) return fallback;
  if (!Number.isInteger(first) || first < 0) throw badInput("first must be a whole number from 0 to 100");
  return Math.min(first, 100);
}
