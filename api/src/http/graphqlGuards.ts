import { EnvelopArmor } from "@escape.tech/graphql-armor";
import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import { GraphQLError, Kind, type DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Context } from "../context.js";
import type { RateLimiter, RateLimits } from "./rateLimit.js";

type RateLimitName = { [K in keyof RateLimits]: RateLimits[K] extends RateLimiter ? K : never }[keyof RateLimits];

/** The header browsers must send (a "simple" cross-site request cannot), checked on every HTTP request. */
export const CSRF_HEADER = "x-hydra-csrf";

/** Public root fields, each limited per IP by one of the limits. */
const PER_IP: Record<string, "publicToken" | "signup" | "signIn" | "widget"> = {
  submitCsat: "publicToken",
  csatSurveyByToken: "publicToken",
  createWorkspace: "signup",
  signIn: "signIn",
  startWidgetConversation: "widget",
};

function rootFields(document: DocumentNode, operationName: string | null | undefined): string[] {
  const fields: string[] = [];
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName && d.name?.value !== operationName) continue;
    for (const s of d.selectionSet.selections) if (s.kind === Kind.FIELD) fields.push(s.name.value);
  }
  return fields;
}

/**
 * Rate limits per IP on the public fields, per IP and per conversation on a visitor's messages, and
 * per API key on everything, as GraphQL errors coded RATE_LIMITED.
 */
function useRateLimits(limits: RateLimits): Plugin<Context> {
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Context;
      const ip = ctx.ip ?? "unknown";
      const checks: { limiter: RateLimitName; key: string }[] = [];
      // Each occurrence spends: aliases do not multiply an allowance.
      for (const field of rootFields(args.document, args.operationName)) {
        const limiter = Object.hasOwn(PER_IP, field) ? PER_IP[field] : undefined;
        if (limiter) checks.push({ limiter, key: ip });
        if (field === "sendMessage" && ctx.actor?.kind === "visitor") {
          checks.push({ limiter: "widget", key: ip }, { limiter: "visitorMessages", key: ctx.actor.conversationId });
        }
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
