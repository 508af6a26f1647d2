import { notFound } from "../errors.js";
import { isId } from "../tokens.js";
import type { Actor } from "./actors.js";
import { requireAdmin } from "./actors.js";

/** Bots and channels, the workspace's named things: listed by name (then id, so ties keep their place). */
export const byName = () => [{ name: "asc" as const }, { id: "asc" as const }];

/**
 * Deletes one of the admin's workspace's `what` (bot, channel) by id: true, or NOT_FOUND when there
 * is none there (an id that is not one included). Its conversations and surveys keep their data with
 * the link set to null.
 */
export async function deleteNamed(
  actor: Actor | null,
  what: string,
  id: string,
  remove: (where: { id: string; workspaceId: string }) => Promise<{ count: number }>,
): Promise<true> {
  const admin = requireAdmin(actor);
  const { count } = isId(id) ? await remove({ id, workspaceId: admin.workspaceId }) : { count: 0 };
  if (count === 0) throw notFound(what);
  return true;
}
