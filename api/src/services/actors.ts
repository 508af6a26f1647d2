import type { Role } from "../generated/prisma/enums.js";
import { forbidden, unauthenticated } from "../errors.js";

/** Who is asking: a signed-in teammate, a third party's API key, or a widget's visitor. */
export type Actor =
  | { kind: "teammate"; workspaceId: string; teammateId: string; role: Role; sessionId: string }
  | { kind: "apiKey"; workspaceId: string; apiKeyId: string; role: Role }
  | { kind: "visitor"; workspaceId: string; conversationId: string };

/** A teammate or an API key: someone working for the workspace. */
export type Member = Extract<Actor, { kind: "teammate" | "apiKey" }>;

export function isMember(actor: Actor | null): actor is Member {
  return actor?.kind === "teammate" || actor?.kind === "apiKey";
}

/** ADMIN teammates and ADMIN-role API keys may administer the workspace. */
export function isAdmin(actor: Actor | null): boolean {
  return isMember(actor) && actor.role === "ADMIN";
}

/** The widget of this conversation, and no one else. */
export function isVisitorOf(actor: Actor | null, conversationId: unknown): boolean {
  return actor?.kind === "visitor" && actor.conversationId === conversationId;
}

export function requireMember(actor: Actor | null): Member {
  if (!actor) throw unauthenticated();
  if (!isMember(actor)) throw forbidden("Only teammates and API keys may do this");
  return actor;
}

export function requireAdmin(actor: Actor | null): Member {
  const member = requireMember(actor);
  if (!isAdmin(member)) throw forbidden("Only an admin may do this");
  return member;
}

/** An ADMIN teammate signed in: for what no API key may do (making keys). */
export function requireAdminTeammate(actor: Actor | null): Extract<Actor, { kind: "teammate" }> {
  const member = requireAdmin(actor);
  if (member.kind !== "teammate") throw forbidden("Only a signed-in admin may do this, not an API key");
  return member;
}
