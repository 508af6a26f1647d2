import { EnvelopArmor } from "@escape.tech/graphql-armor";
import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import type { IncomingMessage } from "node:http";
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Context } from "../context.js";
import { clientIp, type RateLimits } from "./rateLimit.js";

/** The header browsers must send (a "simple" cross-site request cannot), checked on every HTTP request. */
export const CSRF_HEADER = "x-hydra-csrf";

/** The rate-limit refusal, as a GraphQL error coded RATE_LIMITED. */
function rateLimited(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(`Too many requests; try again in ${retryAfterSeconds} s`, {
    extensions: { code: "RATE_LIMITED", retryAfter: retryAfterSeconds },
  });
}

/**
 * Spends one request of the caller's per-IP allowance on the survey-token fields (`submitCsat`,
 * `csatSurveyByToken`): their resolvers call it on every run, so aliases, fragments and several
 * operations on one socket each pay, as the REST and rating-page routes do. Throws RATE_LIMITED.
 */
export async function takeTokenAllowance(ctx: Context): Promise<void> {
  const req = (ctx as Context & { req?: IncomingMessage }).req;
  const decision = await ctx.app.limits.publicToken.take(clientIp(req));
  if (!decision.ok) throw rateLimited(decision.retryAfterSeconds);
}

/**
 * The rate limit per API key on every operation it runs, as a GraphQL error coded RATE_LIMITED.
 * (The per-IP limit on the survey-token fields is spent by their resolvers: takeTokenAllowance.)
 */
function useRateLimits(limits: RateLimits): Plugin<Context> {
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Context;
      if (ctx.actor?.kind !== "apiKey") return;
      const decision = await limits.apiKey.take(ctx.actor.apiKeyId);
      if (!decision.ok) setResultAndStopExecution({ errors: [rateLimited(decision.retryAfterSeconds)] });
    },
  };
}

/**
 * What stands between the public and the schema: graphql-armor's limits (depth, aliases,
 * directives, tokens, cost; no field suggestions in production), CSRF prevention, and rate limits.
 */
export function graphqlGuards(options: { production: boolean; limits: RateLimits }): Plugin[] {
  const armor = new EnvelopArmor({
    maxDepth: { n: 8 },
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
