import type { CombinedError } from "urql";

/** The first `extensions.code` among the GraphQL errors, e.g. "UNAUTHENTICATED". */
export function errorCode(error: CombinedError | undefined): string | undefined {
  for (const graphQLError of error?.graphQLErrors ?? []) {
    const code = graphQLError.extensions?.code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/** A sentence to show the person using the app. */
export function describeError(error: CombinedError): string {
  if (error.networkError) return "Can't reach Hydra right now. Check your connection and try again.";
  switch (errorCode(error)) {
    case "UNAUTHENTICATED":
      return "Your session has ended. Sign in again.";
    case "FORBIDDEN":
      return "Your role doesn't allow this.";
    case "BAD_USER_INPUT":
      return error.graphQLErrors[0]?.message ?? "Check what you entered and try again.";
    default:
      return "Something went wrong. Try again in a moment.";
  }
}
