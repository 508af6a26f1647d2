import { rewireTypes } from "@graphql-tools/utils";
import { GraphQLID, GraphQLObjectType, GraphQLScalarType, GraphQLSchema } from "graphql";
import { builder } from "../builder.js";
import { badInput } from "../errors.js";
import * as enums from "../generated/prisma/enums.js";
import { CSAT_RANGES } from "../services/reports/windows.js";
import { normalizeId } from "../tokens.js";

builder.scalarType("DateTime", {
  description: "An instant, as an ISO 8601 string in UTC.",
  // Payloads that crossed Redis arrive with their Dates revived (fanout.ts's serializer).
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const date = typeof value === "string" ? new Date(value) : new Date(NaN);
    if (Number.isNaN(date.getTime())) throw badInput("DateTime must be an ISO 8601 string");
    return date;
  },
});

export const Role = builder.enumType(enums.Role, { name: "Role" });
export const ChannelKind = builder.enumType(enums.ChannelKind, { name: "ChannelKind" });
export const ConversationStatus = builder.enumType(enums.ConversationStatus, { name: "ConversationStatus" });
export const CsatSurveyState = builder.enumType(enums.CsatSurveyState, { name: "CsatSurveyState" });
export const CsatAnswerVia = builder.enumType(enums.CsatAnswerVia, { name: "CsatAnswerVia" });
export const ResolvedVia = builder.enumType(enums.ResolvedVia, { name: "ResolvedVia" });
export const EmailState = builder.enumType(enums.EmailState, { name: "EmailState" });
export const CsatRange = builder.enumType("CsatRange", { values: CSAT_RANGES });
export const PublicSurveyState = builder.enumType("PublicSurveyState", { values: ["OPEN", "ALREADY_SUBMITTED", "EXPIRED"] as const });
export const SubmitOutcome = builder.enumType("SubmitOutcome", { values: ["ACCEPTED", "ALREADY_SUBMITTED", "EXPIRED", "NOT_FOUND"] as const });

const normalized = (value: unknown) => (typeof value === "string" ? normalizeId(value) : value);

/**
 * The schema with an `ID` that lower-cases UUIDs as it reads them (arguments, variables, input
 * fields), so every resolver, scope and topic sees one spelling. Pothos always builds the standard
 * `ID`, hence the swap after the build (every reference to "ID" is rewired to this one; mapSchema
 * leaves the standard scalars alone); the printed schema is unchanged.
 */
export function withNormalizedIds(schema: GraphQLSchema): GraphQLSchema {
  const ID = new GraphQLScalarType({
    ...GraphQLID.toConfig(),
    parseValue: (value) => normalized(GraphQLID.parseValue(value)),
    parseLiteral: (ast, variables) => normalized(GraphQLID.parseLiteral(ast, variables)),
  });
  const { typeMap, directives } = rewireTypes({ ...schema.getTypeMap(), ID }, schema.getDirectives());
  const root = (type: GraphQLObjectType | null | undefined) => (type ? (typeMap[type.name] as GraphQLObjectType) : undefined);
  return new GraphQLSchema({
    ...schema.toConfig(),
    query: root(schema.getQueryType()),
    mutation: root(schema.getMutationType()),
    subscription: root(schema.getSubscriptionType()),
    types: Object.values(typeMap),
    directives,
  });
}
