import type { Actor } from "./actors.js";
import { requireAdmin } from "./actors.js";
import type { App } from "./app.js";
import { pageSize } from "./validation.js";

/** The workspace's audit entries, newest first. */
export async function listAuditEntries(app: App, actor: Actor | null, first: number | null | undefined) {
  const admin = requireAdmin(actor);
  return app.prisma.auditEntry.findMany({
    where: { workspaceId: admin.workspaceId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: pageSize(first, 50),
    include: { actor: true },
  });
}
