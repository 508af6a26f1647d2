import type { ChannelKind } from "../generated/prisma/enums.js";
import { isId } from "../tokens.js";
import { notFound } from "../errors.js";
import type { Actor } from "./actors.js";
import { requireAdmin, requireMember } from "./actors.js";
import type { App } from "../deps.js";
import { nameSchema, parseInput } from "./validation.js";

export async function listChannels(app: App, actor: Actor | null) {
  const member = requireMember(actor);
  return app.prisma.channel.findMany({ where: { workspaceId: member.workspaceId }, orderBy: [{ name: "asc" }, { id: "asc" }] });
}

export async function createChannel(app: App, actor: Actor | null, name: string, kind: ChannelKind) {
  const member = requireMember(actor);
  return app.prisma.channel.create({
    data: { workspaceId: member.workspaceId, name: parseInput(nameSchema("name"), name), kind },
  });
}

/** Deletes the channel; its conversations and surveys keep their data with the channel link set to null. */
export async function deleteChannel(app: App, actor: Actor | null, id: string) {
  const admin = requireAdmin(actor);
  const { count } = isId(id)
    ? await app.prisma.channel.deleteMany({ where: { id, workspaceId: admin.workspaceId } })
    : { count: 0 };
  if (count === 0) throw notFound("channel");
  return true;
}
