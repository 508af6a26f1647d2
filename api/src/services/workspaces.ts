import { z } from "zod";
import { Prisma } from "../generated/prisma/client.js";
import { badInput } from "../errors.js";
import { hashPassword } from "../tokens.js";
import type { App } from "./app.js";
import { createSession } from "./auth.js";
import { emailSchema, nameSchema, parseInput, passwordSchema } from "./validation.js";

const createWorkspaceInput = z.object({
  name: nameSchema("name"),
  adminEmail: emailSchema,
  adminName: nameSchema("adminName"),
  password: passwordSchema,
});

/** A new workspace with CSAT off, its first ADMIN, and a session token for that admin. */
export async function createWorkspace(app: App, input: z.input<typeof createWorkspaceInput>) {
  const data = parseInput(createWorkspaceInput, input);
  const passwordHash = await hashPassword(data.password);
  try {
    return await app.prisma.$transaction(async (tx) => {
      const workspace = await tx.workspace.create({ data: { name: data.name, csatSettings: { create: {} } } });
      const admin = await tx.teammate.create({
        data: { workspaceId: workspace.id, email: data.adminEmail, name: data.adminName, role: "ADMIN", passwordHash },
      });
      const token = await createSession(tx, admin.id, app.clock.now());
      return { workspace, admin, token };
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw badInput("adminEmail: a teammate with this email already exists");
    }
    throw err;
  }
}

export async function getWorkspace(app: App, workspaceId: string) {
  return app.prisma.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
}
