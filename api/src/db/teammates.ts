/** teammate's statements for adding and deactivating teammates, in the caller's transaction. */
import type { Role } from "../generated/prisma/enums.js";
import type { Teammate } from "../generated/prisma/client.js";
import type { Queryable } from "./client.js";

/**
 * Every column of teammate under its Prisma field name. The key list after it fails the typecheck
 * when the model gains a field, as a reminder to add it here too.
 */
const TEAMMATE_COLUMNS = `id, workspace_id AS "workspaceId", email, name, role::text AS role, password_hash AS "passwordHash", active,
  deactivated_at AS "deactivatedAt", created_at AS "createdAt"`;
const _teammateColumns = {
  id: 1, workspaceId: 1, email: 1, name: 1, role: 1, passwordHash: 1, active: 1, deactivatedAt: 1, createdAt: 1,
} satisfies Record<keyof Teammate, 1>;

/** Adds a teammate; undefined when the address is taken already (the unique key decides). */
export async function insertTeammate(
  tx: Queryable,
  teammate: { workspaceId: string; email: string; name: string; role: Role; passwordHash: string; createdAt: Date },
): Promise<Teammate | undefined> {
  const [row] = await tx.query<Teammate>(
    `INSERT INTO teammate (workspace_id, email, name, role, password_hash, created_at)
     VALUES ($1::uuid, $2, $3, $4::"Role", $5, $6)
     ON CONFLICT (email) DO NOTHING
     RETURNING ${TEAMMATE_COLUMNS}`,
    [teammate.workspaceId, teammate.email, teammate.name, teammate.role, teammate.passwordHash, teammate.createdAt],
  );
  return row;
}

/**
 * Locks the teammate `id` of the workspace and every active admin of it (in id order, so two
 * deactivations lock alike): whether the last active admin would go is then decided once.
 */
export async function lockForDeactivation(
  tx: Queryable,
  workspaceId: string,
  id: string,
): Promise<{ target: Teammate | undefined; activeAdminIds: string[] }> {
  const rows = await tx.query<Teammate>(
    `SELECT ${TEAMMATE_COLUMNS} FROM teammate
     WHERE workspace_id = $1::uuid AND (id = $2::uuid OR (role = 'ADMIN' AND active))
     ORDER BY id FOR UPDATE`,
    [workspaceId, id],
  );
  return {
    target: rows.find((r) => r.id === id),
    activeAdminIds: rows.filter((r) => r.role === "ADMIN" && r.active).map((r) => r.id),
  };
}

export async function markDeactivated(tx: Queryable, id: string, now: Date): Promise<Teammate> {
  const [row] = await tx.query<Teammate>(
    `UPDATE teammate SET active = false, deactivated_at = $2 WHERE id = $1::uuid RETURNING ${TEAMMATE_COLUMNS}`,
    [id, now],
  );
  return row!;
}

/** Whether `id` is a teammate of the workspace, and active; undefined when it is not one of its teammates. */
export async function findTeammateState(tx: Queryable, workspaceId: string, id: string): Promise<{ active: boolean } | undefined> {
  const [row] = await tx.query<{ active: boolean }>("SELECT active FROM teammate WHERE id = $1::uuid AND workspace_id = $2::uuid", [id, workspaceId]);
  return row;
}
