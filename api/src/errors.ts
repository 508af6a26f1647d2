/** The error codes of the public contract, carried to clients as `extensions.code`. */
export type ErrorCode = "BAD_USER_INPUT" | "UNAUTHENTICATED" | "FORBIDDEN" | "NOT_FOUND" | "RATE_LIMITED";

/**
 * An error meant for the client: its message and code reach the caller unmasked. Every other
 * error is logged and shown to clients only as "Unexpected error."
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** More for the client, beside the code (e.g. `retryAfter` seconds). */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const badInput = (message: string) => new DomainError("BAD_USER_INPUT", message);
export const notFound = (what: string) => new DomainError("NOT_FOUND", `${what} not found`);
export const unauthenticated = () =>
  new DomainError("UNAUTHENTICATED", "Sign in or send a valid Bearer token");
export const rateLimited = (retryAfterSeconds: number) =>
  new DomainError("RATE_LIMITED", `Too many requests; try again in ${retryAfterSeconds} s`, { retryAfter: retryAfterSeconds });
export const forbidden = (message = "Your role may not do this") => new DomainError("FORBIDDEN", message);

const UNREACHABLE_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
const UNREACHABLE_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
const UNREACHABLE_TEXT =
  /Connection terminated|ECONNREFUSED|ECONNRESET|EPIPE|terminating connection|the database system is (starting up|shutting down)|timeout exceeded when trying to connect|Can't reach database/i;

/** True for an error that means "the database cannot be reached right now", however it surfaced. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== "object" || depth > 4) return false;
  const e = err as { code?: unknown; message?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: string } } }; cause?: unknown };
  if (typeof e.code === "string" && UNREACHABLE_CODES.has(e.code)) return true;
  const kind = e.meta?.driverAdapterError?.cause?.kind;
  if (kind && UNREACHABLE_KINDS.has(kind)) return true;
  if (typeof e.message === "string" && UNREACHABLE_TEXT.test(e.message)) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

export const DATABASE_UNAVAILABLE_MESSAGE = "The database is unavailable right now; try again in a few seconds.";
