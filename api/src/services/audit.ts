import type { Prisma } from "../generated/prisma/client.js";
import type { Actor } from "./actors.js";
import { requireAdmin } from "./actors.js";
import type { App } from "./app.js";
import { pageSize } from "./validation.js";

/** Prisma's include/select for audit entries, as GraphQL selections plan it. */
export type AuditQuery = Pick<Prisma.AuditEntryFindManyArgs, "include" | "select">;

/** The workspace's audit entries, newest first. */
export async function listAuditEntries(app: App, actor: Actor | null, first: number | null | undefined, query: AuditQuery = { include: { actor: true } }) {
  const admin = requireAdmin(actor);
  return app.prisma.auditEntry.findMany({
    ...query,
    where: { workspaceId: admin.workspaceId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: pageSize(first, 50),
  });
}
