/** The error codes of the public contract, carried to clients as `extensions.code`. */
export type ErrorCode = "BAD_USER_INPUT" | "UNAUTHENTICATED" | "FORBIDDEN" | "NOT_FOUND";

/**
 * An error meant for the client: its message and code reach the caller unmasked. Every other
 * error is logged and shown to clients only as "Unexpected error."
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const badInput = (message: string) => new DomainError("BAD_USER_INPUT", message);
export const notFound = (what: string) => new DomainError("NOT_FOUND", `${what} not found`);
export const unauthenticated = () =>
  new DomainError("UNAUTHENTICATED", "Sign in or send a valid Bearer token");
export const forbidden = (message = "Your role may not do this") => new DomainError("FORBIDDEN", message);
