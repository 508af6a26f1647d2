import type { ChannelKind } from "../generated/prisma/enums.js";
import type { Actor } from "./actors.js";
import { requireMember } from "./actors.js";
import type { App } from "../deps.js";
import { byName, deleteNamed } from "./named.js";
import { nameSchema, parseInput } from "./validation.js";

export async function listChannels(app: App, actor: Actor | null) {
  const member = requireMember(actor);
  return app.prisma.channel.findMany({ where: { workspaceId: member.workspaceId }, orderBy: byName() });
}

export async function createChannel(app: App, actor: Actor | null, name: string, kind: ChannelKind) {
  const member = requireMember(actor);
  return app.prisma.channel.create({
    data: { workspaceId: member.workspaceId, name: parseInput(nameSchema("name"), name), kind },
  });
}

/** Deletes the channel; its conversations and surveys keep their data with the channel link set to null. */
export function deleteChannel(app: App, actor: Actor | null, id: string) {
  return deleteNamed(actor, "channel", id, (where) => app.prisma.channel.deleteMany({ where }));
}
