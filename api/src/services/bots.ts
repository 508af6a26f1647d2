import type { Actor } from "./actors.js";
import { requireMember } from "./actors.js";
import type { App } from "../deps.js";
import { byName, deleteNamed } from "./named.js";
import { nameSchema, parseInput } from "./validation.js";

export async function listBots(app: App, actor: Actor | null) {
  const member = requireMember(actor);
  return app.prisma.bot.findMany({ where: { workspaceId: member.workspaceId }, orderBy: byName() });
}

export async function createBot(app: App, actor: Actor | null, name: string) {
  const member = requireMember(actor);
  return app.prisma.bot.create({ data: { workspaceId: member.workspaceId, name: parseInput(nameSchema("name"), name) } });
}

/** Deletes the bot; its conversations and surveys keep their data with the bot link set to null. */
export function deleteBot(app: App, actor: Actor | null, id: string) {
  return deleteNamed(actor, "bot", id, (where) => app.prisma.bot.deleteMany({ where }));
}
