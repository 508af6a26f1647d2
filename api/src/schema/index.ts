import { lexicographicSortSchema } from "graphql";
import { builder } from "../builder.js";
import { withNormalizedIds } from "./scalars.js";
import "./workspaces.js";
import "./apiKeys.js";
import "./bots.js";
import "./channels.js";
import "./conversations.js";
import "./customers.js";
import "./csat.js";
import "./reports.js";
import "./audit.js";
import "./outbox.js";
import "./webhooks.js";
import "./responses.js";
import "./followUps.js";
import "./teammates.js";
import "./conversationSearch.js";
import "./i18n.js";

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

export const schema = lexicographicSortSchema(withNormalizedIds(builder.toSchema()));
