import { isId } from "../tokens.js";
import { notFound } from "../errors.js";
import type { Actor } from "./actors.js";
import { requireAdmin, requireMember } from "./actors.js";
import type { App } from "../deps.js";
import { nameSchema, parseInput } from "./validation.js";

export async function listBots(app: App, actor: Actor | null) {
  const member = requireMember(actor);
  return app.prisma.bot.findMany({ where: { workspaceId: member.workspaceId }, orderBy: [{ name: "asc" }, { id: "asc" }] });
}

export async function createBot(app: App, actor: Actor | null, name: string) {
  const member = requireMember(actor);
  return app.prisma.bot.create({ data: { workspaceId: member.workspaceId, name: parseInput(nameSchema("name"), name) } });
}

/** Deletes the bot; its conversations and surveys keep their data with the bot link set to null. */
export async function deleteBot(app: App, actor: Actor | null, id: string) {
  const admin = requireAdmin(actor);
  const { count } = isId(id)
    ? await app.prisma.bot.deleteMany({ where: { id, workspaceId: admin.workspaceId } })
    : { count: 0 };
  if (count === 0) throw notFound("bot");
  return true;
}
