import { builder } from "../builder.js";
import { badInput } from "../errors.js";
import * as enums from "../generated/prisma/enums.js";
import { CSAT_RANGES } from "../services/reports/windows.js";

builder.scalarType("DateTime", {
  description: "An instant, as an ISO 8601 string in UTC.",
  // Payloads that crossed Redis arrive with dates as ISO strings.
  serialize: (value) => (value instanceof Date ? value : new Date(value as unknown as string)).toISOString(),
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
