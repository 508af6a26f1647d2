import { pino, stdTimeFunctions, type LoggerOptions } from "pino";
import { currentRequestId } from "./requestId.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];
/** `json`: one JSON object a line (pino); `pretty`: the human line; `auto`: pretty on a terminal, else JSON. */
export type LogFormat = "json" | "pretty" | "auto";
export const LOG_FORMATS: readonly LogFormat[] = ["json", "pretty", "auto"];
/** Structured facts beside a line; fields named in `REDACTED_FIELDS` are never written. */
export type LogFields = Record<string, string | number | boolean | null | undefined | readonly string[]>;

/**
 * Where the server writes what it does: one line each, carrying the id of the request (or socket
 * operation, or worker pass) it belongs to. Tokens and email addresses are masked in every line.
 */
export interface Logger {
  /** Only with LOG_LEVEL=debug (a line per request, per-survey facts). Optional for loggers tests make. */
  debug?(line: string, fields?: LogFields): void;
  info(line: string, fields?: LogFields): void;
  warn(line: string, fields?: LogFields): void;
  error(line: string, err?: unknown, fields?: LogFields): void;
  /**
   * A line for the person who started the demo (its sign-in addresses, its API key shown once):
   * written unmasked. Never for anything a customer or a request brings.
   */
  notice?(line: string): void;
}

/** Survey tokens (32 hex), prefixed bearer secrets, provider keys, webhook secrets and bearer values. */
const SECRET_SHAPES =
  /(?<![0-9a-fA-F])[0-9a-f]{32}(?![0-9a-fA-F])|\bhc[skv]_[A-Za-z0-9_-]{20,}|\bre_[A-Za-z0-9_]{16,}|\bwhsec_[A-Za-z0-9+/=]{8,}|\b(Bearer\s+)[^\s"',;]+/g;
/** An email address, as a customer's or teammate's may turn up in an error's text. */
const EMAIL_SHAPE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/** `text` with anything shaped like a token or an email address masked. */
export function maskSecrets(text: string): string {
  return text
    .replace(SECRET_SHAPES, (_match: string, bearer: string | undefined) => (bearer ? `${bearer}[masked]` : "[masked]"))
    .replace(EMAIL_SHAPE, "[email]");
}

/** Field names whose values are never written (pino's `redact`), at the top level and one below. */
export const REDACTED_FIELDS = ["authorization", "token", "visitorToken", "apiKey", "password", "secret", "email", "to", "cookie"];
const REDACT_PATHS = [...REDACTED_FIELDS, ...REDACTED_FIELDS.map((f) => `*.${f}`)];
/** Keys of a JSON line that the human format shows in its own way (or not at all). */
const OWN_KEYS = new Set(["level", "time", "pid", "msg", "error", "requestId"]);

export interface LogSetup {
  /** Only warnings and errors (as LOG_LEVEL=warn). */
  quiet?: boolean;
  level?: LogLevel;
  format?: LogFormat;
  /**
   * Where each finished line goes; by default debug and info to standard output, warnings and
   * errors to standard error (both formats).
   */
  write?: (line: string, level: LogLevel) => void;
}

/**
 * The server's logger (pino underneath): JSON lines, or on a terminal the human line
 * `<time> [WARN |ERROR ]<text> [<request id>]`. Every line is masked (`maskSecrets`), fields named
 * in REDACTED_FIELDS are censored, and the current request id (see requestId.ts) is added.
 */
export function createLogger(setup: LogSetup = {}): Logger {
  const level: LogLevel = setup.quiet ? "warn" : (setup.level ?? "info");
  const format = setup.format === undefined || setup.format === "auto" ? (process.stdout.isTTY ? "pretty" : "json") : setup.format;
  const write = setup.write ?? ((line: string, lvl: LogLevel) => void (lvl === "warn" || lvl === "error" ? process.stderr : process.stdout).write(line));
  const options: LoggerOptions = {
    level,
    base: { pid: process.pid },
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: () => {
      const id = currentRequestId();
      return id === undefined ? {} : { requestId: id };
    },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
  };
  const destination = {
    write(chunk: string) {
      // The level is the line's first key (formatters.level).
      const lvl = chunk.slice(10, 15) === "error" ? "error" : chunk.slice(10, 14) === "warn" ? "warn" : chunk.slice(10, 15) === "debug" ? "debug" : "info";
      write(format === "json" ? chunk : humanLine(chunk), lvl);
    },
  };
  const out = pino(options, destination);
  const emit = (lvl: "debug" | "info" | "warn", line: string, fields?: LogFields) => {
    if (!out.isLevelEnabled(lvl)) return;
    if (fields) out[lvl](maskFields(fields), maskSecrets(line));
    else out[lvl](maskSecrets(line));
  };
  return {
    debug: (line, fields) => emit("debug", line, fields),
    info: (line, fields) => emit("info", line, fields),
    warn: (line, fields) => emit("warn", line, fields),
    error: (line, err, fields) => {
      const masked = fields ? maskFields(fields) : undefined;
      if (err === undefined) out.error(masked ?? {}, maskSecrets(line));
      else out.error({ ...masked, error: errorFields(err) }, maskSecrets(line));
    },
    notice: (line) => out.info(line),
  };
}

/**
 * `log` with `requestId` on each of its lines: for the work of one request, socket or worker pass
 * where AsyncLocalStorage does not carry the id (LOG_REQUEST_IDS=edge).
 */
export function requestLog(log: Logger, requestId: string): Logger {
  const id = { requestId };
  return {
    ...(log.debug ? { debug: (line: string, fields?: LogFields) => log.debug!(line, { ...fields, ...id }) } : {}),
    info: (line, fields) => log.info(line, { ...fields, ...id }),
    warn: (line, fields) => log.warn(line, { ...fields, ...id }),
    error: (line, err, fields) => log.error(line, err, { ...fields, ...id }),
    ...(log.notice ? { notice: log.notice } : {}),
  };
}

function maskFields(fields: LogFields): LogFields {
  const masked: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    masked[key] = typeof value === "string" ? maskSecrets(value) : Array.isArray(value) ? value.map(maskSecrets) : value;
  }
  return masked;
}

/** At most this many request ids on one line (a batch of 100 emails may come from 100 requests). */
export const CAUSES_LISTED = 20;

/**
 * `{ causedBy }` for a worker's line about rows that requests left it: the distinct ids of those
 * requests (see App.requestId), in the order first seen, at most CAUSES_LISTED of them and
 * `causedByMore` counting the rest; none when no row came from a request.
 */
export function causedBy(requestIds: Iterable<string | null | undefined>): LogFields | undefined {
  const ids = new Set<string>();
  for (const id of requestIds) if (id) ids.add(id);
  if (ids.size === 0) return undefined;
  const listed = [...ids].slice(0, CAUSES_LISTED);
  return ids.size > CAUSES_LISTED ? { causedBy: listed, causedByMore: ids.size - CAUSES_LISTED } : { causedBy: listed };
}

function errorFields(err: unknown): { type?: string; message: string; stack?: string } {
  if (!(err instanceof Error)) return { message: maskSecrets(String(err)) };
  return { type: err.name, message: maskSecrets(err.message), ...(err.stack ? { stack: maskSecrets(err.stack) } : {}) };
}

/** A JSON line as a person reads it: time, level (unless info), text, fields, request id, error. */
function humanLine(chunk: string): string {
  const line = JSON.parse(chunk) as Record<string, unknown> & { level: string; time: string; msg?: string; requestId?: string; error?: { stack?: string; message: string } };
  const tag = line.level === "info" ? "" : `${line.level.toUpperCase()} `;
  let fields = "";
  for (const [key, value] of Object.entries(line)) if (!OWN_KEYS.has(key)) fields += ` ${key}=${typeof value === "string" ? value : JSON.stringify(value)}`;
  const request = line.requestId ? ` [${line.requestId}]` : "";
  const detail = line.error ? ` — ${line.error.stack ?? line.error.message}` : "";
  return `${line.time} ${tag}${line.msg ?? ""}${fields}${request}${detail}\n`;
}

/** Paths whose last part is a secret (a survey or unsubscribe token). */
const TOKEN_PATHS = [/^(\/csat\/)[^/]+/, /^(\/api\/csat\/unsubscribe\/)[^/]+/];

/**
 * A request's path as logs may show it: a token in the path is masked and the query string (which
 * may carry one too) is left out.
 */
export function pathForLog(url: string | undefined): string {
  let path: string;
  try {
    path = new URL(url ?? "/", "http://x").pathname;
  } catch {
    return "(unparsable path)";
  }
  for (const pattern of TOKEN_PATHS) path = path.replace(pattern, "$1[token]");
  return path;
}

/** `err` with every occurrence of `secret` masked in its message and stack, for the log. */
export function withoutSecret(err: unknown, secret: string | undefined): unknown {
  if (!secret || !(err instanceof Error)) return err;
  const mask = (text: string) => text.split(secret).join("[token]");
  const copy = new Error(mask(err.message));
  copy.name = err.name;
  copy.stack = err.stack === undefined ? undefined : mask(err.stack);
  return copy;
}
