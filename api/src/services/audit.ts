import type { Prisma } from "../generated/prisma/client.js";
import type { Actor, Member } from "./actors.js";
import { requireAdmin } from "./actors.js";
import type { App } from "../deps.js";
import { olderThan } from "./paging.js";
import { pageSize } from "./validation.js";

/** Prisma's include/select for audit entries, as GraphQL selections plan it. */
export type AuditQuery = Pick<Prisma.AuditEntryFindManyArgs, "include" | "select">;

/** The workspace's audit entries, newest first. */
export async function listAuditEntries(
  app: App,
  actor: Actor | null,
  first: number | null | undefined,
  query: AuditQuery = { include: { actor: true } },
  after?: string | null,
) {
  const admin = requireAdmin(actor);
  const workspaceId = admin.workspaceId;
  const older = await olderThan(after, (id) => app.prisma.auditEntry.findFirst({ where: { id, workspaceId }, select: { createdAt: true } }));
  return app.prisma.auditEntry.findMany({
    ...query,
    where: { workspaceId, ...older },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: pageSize(first, 50),
  });
}

/** Who an audit entry names: the teammate, or the API key. */
export function auditedBy(member: Member): { actorId: string | null; apiKeyId: string | null } {
  return member.kind === "teammate" ? { actorId: member.teammateId, apiKeyId: null } : { actorId: null, apiKeyId: member.apiKeyId };
}
