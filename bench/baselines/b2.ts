// Baseline B2: a bare graphql-yoga server (SDL schema, no Pothos, no Prisma) whose submitCsat and
// resolveConversation resolvers run the same SQL with pg (see sql.ts).
import { createServer } from "node:http";
import { GraphQLError } from "graphql";
import { createSchema, createYoga } from "graphql-yoga";
import { authenticate, BadInput, openPool, resolveConversation, submitAnswer } from "./sql.js";

const pool = openPool();

const typeDefs = /* GraphQL */ `
  scalar DateTime
  type Query { ok: Boolean! }
  type PublicCsatSurvey { question: String! state: String! workspaceName: String! score: Int comment: String }
  type SubmitCsatResult { outcome: String! survey: PublicCsatSurvey }
  type CsatSurvey {
    id: ID! state: String! dueAt: DateTime! dispatchedAt: DateTime expiresAt: DateTime deliveredToWidget: Boolean!
    emailed: Boolean! score: Int comment: String answeredAt: DateTime answeredVia: String resolvedVia: String!
  }
  type Conversation { id: ID! status: String! resolvedAt: DateTime updatedAt: DateTime! csatSurvey: CsatSurvey }
  type Mutation {
    submitCsat(token: String!, score: Int!, comment: String): SubmitCsatResult!
    resolveConversation(id: ID!): Conversation!
  }
`;

interface Ctx {
  authorization: string | null;
}

const yoga = createYoga<object, Ctx>({
  schema: createSchema<Ctx>({
    typeDefs,
    resolvers: {
      DateTime: { serialize: (v: unknown) => (v instanceof Date ? v.toISOString() : v) } as never,
      Query: { ok: () => true },
      Mutation: {
        submitCsat: async (_root: unknown, args: { token: string; score: number; comment?: string | null }) => {
          try {
            const { outcome, survey } = await submitAnswer(pool, { comment: null, ...args }, "WIDGET");
            return {
              outcome,
              survey: survey && { question: "How was your experience?", state: outcome === "EXPIRED" ? "EXPIRED" : "ALREADY_SUBMITTED", ...survey },
            };
          } catch (err) {
            if (err instanceof BadInput) throw new GraphQLError(err.message, { extensions: { code: "BAD_USER_INPUT" } });
            throw err;
          }
        },
        resolveConversation: async (_root: unknown, args: { id: string }, ctx: Ctx) => {
          const workspaceId = await authenticate(pool, ctx.authorization);
          if (!workspaceId) throw new GraphQLError("Sign in first", { extensions: { code: "UNAUTHENTICATED" } });
          const c = await resolveConversation(pool, workspaceId, args.id, "INBOX");
          if (!c) throw new GraphQLError("No such conversation", { extensions: { code: "NOT_FOUND" } });
          return c;
        },
      },
    },
  }),
  graphqlEndpoint: "/graphql",
  landingPage: false,
  graphiql: false,
  logging: false,
  context: ({ request }) => ({ authorization: request.headers.get("authorization") }),
});

createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":true}');
    return;
  }
  void yoga(req, res);
}).listen(Number(process.env.PORT ?? 4200));
