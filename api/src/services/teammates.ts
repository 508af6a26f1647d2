import { z } from "zod";
import type { Prisma, Teammate } from "../generated/prisma/client.js";
import { insertAuditEntry } from "../db/audit.js";
import { insertTeammate, lockForDeactivation, markDeactivated } from "../db/teammates.js";
import { badInput, notFound } from "../errors.js";
import { hashPassword, isId } from "../tokens.js";
import type { App } from "../deps.js";
import { requireAdmin, requireMember, type Actor } from "./actors.js";
import { auditedBy } from "./audit.js";
import { revokeTeammateCredentials } from "./auth.js";
import { emailSchema, nameSchema, parseInput, passwordSchema } from "./validation.js";

export const TEAMMATE_ADDED = "Added teammate";
export const TEAMMATE_DEACTIVATED = "Deactivated teammate";

/** Prisma's include/select for teammates, as GraphQL selections plan it. */
export type TeammateQuery = Pick<Prisma.TeammateFindManyArgs, "include" | "select">;

const createTeammateInput = z.object({
  email: emailSchema,
  name: nameSchema("name"),
  role: z.enum(["ADMIN", "AGENT"], { error: "role must be ADMIN or AGENT" }),
  password: passwordSchema,
});

/** What an audit entry keeps of a teammate: never the password or its hash. */
const described = (t: Pick<Teammate, "id" | "email" | "name" | "role" | "active">) => ({
  id: t.id,
  email: t.email,
  name: t.name,
  role: t.role,
  active: t.active,
});

/** The workspace's teammates: active first, then by name. */
export async function listTeammates(app: App, actor: Actor | null, query: TeammateQuery = {}) {
  const member = requireMember(actor);
  return app.prisma.teammate.findMany({
    ...query,
    where: { workspaceId: member.workspaceId },
    orderBy: [{ active: "desc" }, { name: "asc" }, { id: "asc" }],
  });
}

/** An admin adds a teammate (ADMIN or AGENT) who signs in with this password; audited. */
export async function createTeammate(app: App, actor: Actor | null, input: z.input<typeof createTeammateInput>): Promise<Teammate> {
  const admin = requireAdmin(actor);
  const data = parseInput(createTeammateInput, input);
  const passwordHash = await hashPassword(data.password, app.config.scryptLogN);
  const now = app.clock.now();
  return app.sql.transaction(async (tx) => {
    const created = await insertTeammate(tx, { workspaceId: admin.workspaceId, email: data.email, name: data.name, role: data.role, passwordHash, createdAt: now });
    if (!created) throw badInput("email: a teammate with this email already exists");
    await insertAuditEntry(tx, {
      workspaceId: admin.workspaceId,
      action: TEAMMATE_ADDED,
      ...auditedBy(admin),
      before: {},
      after: described(created),
      createdAt: now,
    });
    return created;
  });
}

/**
 * An admin deactivates a teammate: they can no longer sign in, and every session and socket of
 * theirs ends at once (on every process). Their history and credit stay. An admin cannot
 * deactivate themselves, nor the workspace's last active admin. Deactivating someone inactive
 * already changes nothing.
 */
export async function deactivateTeammate(app: App, actor: Actor | null, id: string): Promise<Teammate> {
  const admin = requireAdmin(actor);
  if (!isId(id)) throw notFound("teammate");
  if (admin.kind === "teammate" && admin.teammateId === id) throw badInput("You cannot deactivate yourself");
  const now = app.clock.now();
  const { teammate, changed } = await app.sql.transaction(async (tx) => {
    const { target, activeAdminIds } = await lockForDeactivation(tx, admin.workspaceId, id);
    if (!target) throw notFound("teammate");
    if (!target.active) return { teammate: target, changed: false };
    if (activeAdminIds.length === 1 && activeAdminIds[0] === id) throw badInput("The last active admin cannot be deactivated");
    const deactivated = await markDeactivated(tx, id, now);
    await insertAuditEntry(tx, {
      workspaceId: admin.workspaceId,
      action: TEAMMATE_DEACTIVATED,
      ...auditedBy(admin),
      before: described(target),
      after: described(deactivated),
      createdAt: now,
    });
    return { teammate: deactivated, changed: true };
  });
  // Their sessions are refused from the commit on (sign-in and every lookup check `active`); this
  // also marks them revoked and closes their open sockets.
  if (changed) await revokeTeammateCredentials(app, id);
  return teammate;
}
