import { EnvelopArmor } from "@escape.tech/graphql-armor";
import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Context } from "../context.js";
import type { RateLimiter, RateLimits } from "./rateLimit.js";

type RateLimitName = { [K in keyof RateLimits]: RateLimits[K] extends RateLimiter ? K : never }[keyof RateLimits];

/** The header browsers must send (a "simple" cross-site request cannot), checked on every HTTP request. */
export const CSRF_HEADER = "x-hydra-csrf";

/** The rate-limit refusal, as a GraphQL error coded RATE_LIMITED. */
function rateLimited(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(`Too many requests; try again in ${retryAfterSeconds} s`, {
    extensions: { code: "RATE_LIMITED", retryAfter: retryAfterSeconds },
  });
}

/**
 * Spends one request of an allowance: the resolvers of the public fields call it on every run, so
 * aliases, fragments and several operations on one socket each pay (what executes is counted, not
 * what the query text shows). Throws RATE_LIMITED.
 */
export async function takeAllowance(ctx: Context, limiter: RateLimitName, key: string): Promise<void> {
  const decision = await ctx.app.limits[limiter].take(key);
  if (!decision.ok) throw rateLimited(decision.retryAfterSeconds);
}

/** The per-IP allowance of the survey-token fields (`submitCsat`, `csatSurveyByToken`). */
export function takeTokenAllowance(ctx: Context): Promise<void> {
  return takeAllowance(ctx, "publicToken", ctx.ip ?? "unknown");
}

/**
 * The rate limit per API key on every operation it runs, as a GraphQL error coded RATE_LIMITED.
 * (The per-IP limits on the public fields are spent by their resolvers: takeAllowance.)
 */
function useRateLimits(limits: RateLimits): Plugin<Context> {
  return {
    // Not async: an operation without an API key (most of them) stays on Yoga's synchronous path.
    onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Context;
      if (ctx.actor?.kind !== "apiKey") return;
      return limits.apiKey.take(ctx.actor.apiKeyId).then((decision) => {
        if (!decision.ok) setResultAndStopExecution({ errors: [rateLimited(decision.retryAfterSeconds)] });
      });
    },
  };
}

/**
 * What stands between the public and the schema: graphql-armor's limits (depth, aliases,
 * directives, tokens, cost; no field suggestions in production), CSRF prevention, and rate limits.
 */
export function graphqlGuards(options: { production: boolean; limits: RateLimits }): Plugin[] {
  const armor = new EnvelopArmor({
    // 10: a connection's edges { node { … } } takes two levels of its own (the inbox's list is 9 deep).
    maxDepth: { n: 10 },
    maxAliases: { n: 15 },
    maxDirectives: { n: 10 },
    maxTokens: { n: 1000 },
    costLimit: { maxCost: 5000 },
    blockFieldSuggestion: { enabled: options.production },
  });
  return [
    ...(armor.protect().plugins as Plugin[]),
    useCSRFPrevention({ requestHeaders: [CSRF_HEADER] }),
    useRateLimits(options.limits) as Plugin,
  ];
}
