import { EnvelopArmor } from "@escape.tech/graphql-armor";
import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import { GraphQLError, Kind, type DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Context } from "../context.js";
import { clientIp, type RateLimits } from "./rateLimit.js";

/** The header browsers must send (a "simple" cross-site request cannot), checked on every HTTP request. */
export const CSRF_HEADER = "x-hydra-csrf";

/** Root fields a survey token opens: limited per IP. */
const PUBLIC_TOKEN_FIELDS = new Set(["submitCsat", "csatSurveyByToken"]);

function rootFields(document: DocumentNode, operationName: string | null | undefined): string[] {
  const fields: string[] = [];
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName && d.name?.value !== operationName) continue;
    for (const s of d.selectionSet.selections) if (s.kind === Kind.FIELD) fields.push(s.name.value);
  }
  return fields;
}

/** Rate limits per IP on the token fields and per API key on everything, as GraphQL errors coded RATE_LIMITED. */
function useRateLimits(limits: RateLimits): Plugin<Context & { req?: import("node:http").IncomingMessage }> {
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Context & { req?: import("node:http").IncomingMessage };
      const checks: { limiter: keyof RateLimits; key: string }[] = [];
      if (rootFields(args.document, args.operationName).some((f) => PUBLIC_TOKEN_FIELDS.has(f))) {
        checks.push({ limiter: "publicToken", key: clientIp(ctx.req) });
      }
      if (ctx.actor?.kind === "apiKey") checks.push({ limiter: "apiKey", key: ctx.actor.apiKeyId });
      for (const check of checks) {
        const decision = await limits[check.limiter].take(check.key);
        if (!decision.ok) {
          setResultAndStopExecution({
            errors: [
              new GraphQLError(`Too many requests; try again in ${decision.retryAfterSeconds} s`, {
                extensions: { code: "RATE_LIMITED", retryAfter: decision.retryAfterSeconds },
              }),
            ],
          });
          return;
        }
      }
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
