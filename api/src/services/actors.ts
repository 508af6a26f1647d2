import type { Role } from "../generated/prisma/enums.js";
import type { App } from "../deps.js";
import { DomainError, forbidden, notFound, unauthenticated } from "../errors.js";
import { isId } from "../tokens.js";

/**
 * The one authority on who may do what. Services call the `require*` helpers; scope-auth's gates
 * (`scopesOf`, in builder.ts) and every subscription path (`canWatch`, `requireWatch`,
 * `requirePromptWatch`) are built from the same predicates. Transports (REST, MCP, export, the
 * WebSocket server) carry no checks of their own: they call these or the services.
 */

/** Who is asking: a signed-in teammate, a third party's API key, or a widget's visitor. */
export type Actor =
  | { kind: "teammate"; workspaceId: string; teammateId: string; role: Role; sessionId: string }
  | { kind: "apiKey"; workspaceId: string; apiKeyId: string; role: Role }
  | { kind: "visitor"; workspaceId: string; conversationId: string };

/** A teammate or an API key: someone working for the workspace. */
export type Member = Extract<Actor, { kind: "teammate" | "apiKey" }>;

/** A signed-in teammate (a session), not an API key. */
export type Teammate = Extract<Actor, { kind: "teammate" }>;

export function isMember(actor: Actor | null): actor is Member {
  return actor?.kind === "teammate" || actor?.kind === "apiKey";
}

export function isTeammate(actor: Actor | null): actor is Teammate {
  return actor?.kind === "teammate";
}

/** ADMIN teammates and ADMIN-role API keys may administer the workspace. */
export function isAdmin(actor: Actor | null): boolean {
  return isMember(actor) && actor.role === "ADMIN";
}

/** A signed-in ADMIN teammate: for what no API key may do (making keys). */
export function isAdminTeammate(actor: Actor | null): boolean {
  return isTeammate(actor) && isAdmin(actor);
}

/** The widget of this conversation, and no one else. */
export function isVisitorOf(actor: Actor | null, conversationId: unknown): boolean {
  return actor?.kind === "visitor" && actor.conversationId === conversationId;
}

/** The error a refused actor gets: UNAUTHENTICATED without credentials, FORBIDDEN with them. */
export function refusal(actor: Actor | null, message?: string): DomainError {
  return actor ? forbidden(message) : unauthenticated();
}

export function requireMember(actor: Actor | null): Member {
  if (!isMember(actor)) throw refusal(actor, "Only teammates and API keys may do this");
  return actor;
}

export function requireAdmin(actor: Actor | null): Member {
  const member = requireMember(actor);
  if (!isAdmin(member)) throw refusal(member, "Only an admin may do this");
  return member;
}

/** A signed-in teammate: for what belongs to a session (signing out). */
export function requireTeammate(actor: Actor | null): asserts actor is Teammate {
  if (!isTeammate(actor)) throw refusal(actor, "Only a signed-in teammate may do this");
}

/** An ADMIN teammate signed in: for what no API key may do (making keys). */
export function requireAdminTeammate(actor: Actor | null): Teammate {
  const admin = requireAdmin(actor);
  if (!isAdminTeammate(admin)) throw refusal(admin, "Only a signed-in admin may do this, not an API key");
  return admin as Teammate;
}

/**
 * Who may read one conversation, as far as the credential alone tells: its own visitor, or any
 * member (whose workspace the query then decides). Anyone else is refused.
 */
export function requireConversationReader(actor: Actor | null, conversationId: string): Actor {
  if (!isMember(actor) && !isVisitorOf(actor, conversationId)) {
    throw refusal(actor, "A visitor sees only its own conversation");
  }
  return actor!;
}

/**
 * Why `actor` may not follow conversation `conversationId`, or null when it may: a visitor only
 * its own conversation (FORBIDDEN otherwise, no database needed); a teammate or API key any
 * conversation of its workspace (NOT_FOUND otherwise, as if it did not exist).
 */
export async function watchRefusal(app: App, actor: Actor | null, conversationId: string): Promise<DomainError | null> {
  if (!isMember(actor)) return isVisitorOf(actor, conversationId) ? null : refusal(actor, "A visitor may follow only its own conversation");
  const found = isId(conversationId)
    ? await app.prisma.conversation.findFirst({ where: { id: conversationId, workspaceId: actor.workspaceId }, select: { id: true } })
    : null;
  return found ? null : notFound("conversation");
}

/** True when `actor` may follow the changes of conversation `conversationId`. */
export async function canWatch(app: App, actor: Actor | null, conversationId: string): Promise<boolean> {
  return (await watchRefusal(app, actor, conversationId)) === null;
}

/** canWatch, or its refusal thrown; the conversation's id when it may. */
export async function requireWatch(app: App, actor: Actor | null, conversationId: string): Promise<string> {
  const refused = await watchRefusal(app, actor, conversationId);
  if (refused) throw refused;
  return conversationId;
}

/**
 * Why `actor` may not wait for conversation `conversationId`'s survey prompt, or null: the prompt
 * (and the widget's presence it counts) is for the conversation's own visitor, a watcher who is no
 * member; everyone else is refused, teammates included.
 */
export function promptWatchRefusal(actor: Actor | null, conversationId: string): DomainError | null {
  return isVisitorOf(actor, conversationId) ? null : refusal(actor, "Only this conversation's visitor may wait for its survey");
}

export function requirePromptWatch(actor: Actor | null, conversationId: string): Extract<Actor, { kind: "visitor" }> {
  const refused = promptWatchRefusal(actor, conversationId);
  if (refused) throw refused;
  return actor as Extract<Actor, { kind: "visitor" }>;
}

/**
 * Why `actor` may not follow its workspace's follow-ups (`csatFollowUpChanged`), or null: any
 * teammate or API key of the workspace may (the topic is the member's own workspace's); a visitor
 * or no credential is refused.
 */
export function followUpWatchRefusal(actor: Actor | null): DomainError | null {
  return isMember(actor) ? null : refusal(actor, "Only teammates and API keys may follow the follow-ups");
}

export function requireFollowUpWatch(actor: Actor | null): Member {
  const refused = followUpWatchRefusal(actor);
  if (refused) throw refused;
  return actor as Member;
}

/**
 * scope-auth's coarse gates, from the predicates above (builder.ts uses this as its `authScopes`):
 * `member`, `teammate` (signed in), `admin`, `visitorOf` (a conversation's own widget) and
 * `public` (anyone).
 */
export function scopesOf(actor: Actor | null) {
  return {
    public: true,
    member: isMember(actor),
    teammate: isTeammate(actor),
    admin: isAdmin(actor),
    visitorOf: (conversationId: string) => isVisitorOf(actor, conversationId),
  };
}
