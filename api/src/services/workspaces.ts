import { z } from "zod";
import { Prisma } from "../generated/prisma/client.js";
import { badInput, forbidden } from "../errors.js";
import { hashPassword } from "../tokens.js";
import type { App } from "../deps.js";
import { requireMember, type Actor } from "./actors.js";
import { createSession } from "./auth.js";
import { emailSchema, nameSchema, parseInput, passwordSchema } from "./validation.js";

const createWorkspaceInput = z.object({
  name: nameSchema("name"),
  adminEmail: emailSchema,
  adminName: nameSchema("adminName"),
  password: passwordSchema,
});

/** The one answer to a sign-up that cannot go ahead with valid input: it says nothing about why. */
export const SIGNUP_REFUSED = "A workspace cannot be created with these details";

/**
 * A new workspace with CSAT off, its first ADMIN, and a session token for that admin. With
 * SIGNUP=closed only the operator (OPERATOR_TOKEN, or `npm run workspace:create`) may create one.
 * An email already in use is refused with the same words as any other refusal of valid input
 * (the operator alone is told why).
 */
export async function createWorkspace(app: App, input: z.input<typeof createWorkspaceInput>, by: { operator: boolean }) {
  if (app.config.signup === "closed" && !by.operator) {
    throw forbidden("Sign-up is closed on this server: the operator creates workspaces");
  }
  const data = parseInput(createWorkspaceInput, input);
  const passwordHash = await hashPassword(data.password, app.config.scryptLogN);
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
      // The operator may know why; a stranger learns nothing about which emails are registered.
      throw badInput(by.operator ? "adminEmail: a teammate with this email already exists" : SIGNUP_REFUSED);
    }
    throw err;
  }
}

/** The caller's own workspace: for its teammates and API keys. */
export async function getWorkspace(app: App, actor: Actor | null) {
  const member = requireMember(actor);
  return app.prisma.workspace.findUniqueOrThrow({ where: { id: member.workspaceId } });
}
