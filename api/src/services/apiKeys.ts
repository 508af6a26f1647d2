import { notFound } from "../errors.js";
import type { Prisma } from "../generated/prisma/client.js";
import type { Role } from "../generated/prisma/enums.js";
import { publishRevocation } from "../pubsub.js";
import { TokenPrefix, isId, newSecret, sha256 } from "../tokens.js";
import type { Actor } from "./actors.js";
import { requireAdmin, requireAdminTeammate } from "./actors.js";
import type { App } from "../deps.js";
import { auditedBy } from "./audit.js";
import { nameSchema, parseInput } from "./validation.js";

export const API_KEY_CREATED = "Created API key";
export const API_KEY_REVOKED = "Revoked API key";

/** Prisma's include/select for API keys, as GraphQL selections plan it. */
export type ApiKeyQuery = Pick<Prisma.ApiKeyFindManyArgs, "include" | "select">;

/** What an audit entry keeps of a key: never its secret or hash. */
const described = (key: { id: string; name: string; role: Role; prefix: string; revokedAt: Date | null }) => ({
  id: key.id,
  name: key.name,
  role: key.role,
  prefix: key.prefix,
  revokedAt: key.revokedAt?.toISOString() ?? null,
});

/**
 * A new key for the workspace; its secret is returned this once. Only a signed-in ADMIN teammate
 * may make one (an API key may not make keys), with the role the key acts with.
 */
export async function createApiKey(app: App, actor: Actor | null, input: { name: string; role?: Role | null }) {
  const admin = requireAdminTeammate(actor);
  const name = parseInput(nameSchema("name"), input.name);
  const role: Role = input.role ?? "ADMIN";
  const key = newSecret(TokenPrefix.ApiKey);
  const now = app.clock.now();
  const apiKey = await app.prisma.$transaction(async (tx) => {
    const created = await tx.apiKey.create({
      data: { workspaceId: admin.workspaceId, name, role, prefix: key.slice(0, 8), tokenHash: sha256(key), createdById: admin.teammateId, createdAt: now },
    });
    await tx.auditEntry.create({
      data: { workspaceId: admin.workspaceId, action: API_KEY_CREATED, ...auditedBy(admin), before: {}, after: described(created), createdAt: now },
    });
    return created;
  });
  return { apiKey, key };
}

/** The workspace's keys, newest first, revoked ones included. */
export async function listApiKeys(app: App, actor: Actor | null, query: ApiKeyQuery = {}) {
  const admin = requireAdmin(actor);
  return app.prisma.apiKey.findMany({
    ...query,
    where: { workspaceId: admin.workspaceId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
}

/**
 * Revokes a key of the workspace: it stops working at once, and every socket it opened closes,
 * on every process. Revoking a revoked key changes nothing and writes no audit entry.
 */
export async function revokeApiKey(app: App, actor: Actor | null, id: string, query: ApiKeyQuery = {}) {
  const admin = requireAdmin(actor);
  const now = app.clock.now();
  const { key, revokedId } = await app.prisma.$transaction(async (tx) => {
    const found = isId(id)
      ? await tx.apiKey.updateManyAndReturn({ where: { id, workspaceId: admin.workspaceId, revokedAt: null }, data: { revokedAt: now } })
      : [];
    const revoked = found[0];
    if (revoked) {
      await tx.auditEntry.create({
        data: {
          workspaceId: admin.workspaceId,
          action: API_KEY_REVOKED,
          ...auditedBy(admin),
          before: described({ ...revoked, revokedAt: null }),
          after: described(revoked),
          createdAt: now,
        },
      });
    }
    const key = isId(id) ? await tx.apiKey.findFirst({ ...query, where: { id, workspaceId: admin.workspaceId } }) : null;
    return { key, revokedId: revoked?.id };
  });
  if (!key) throw notFound("API key");
  if (revokedId) publishRevocation(app.pubsub, { kind: "apiKey", id: revokedId });
  return key;
}
