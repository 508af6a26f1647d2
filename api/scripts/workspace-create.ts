// `npm run workspace:create -- --name "Acme" --admin-email ada@acme.test --admin-name "Ada"`: creates a
// workspace as the operator (what SIGNUP=closed leaves to the operator) and prints its admin's
// password, generated here and shown only this once.
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { buildApp } from "../src/app.js";
import { readConfig } from "../src/config.js";
import { DomainError } from "../src/errors.js";
import { createWorkspace } from "../src/services/workspaces.js";

const { values } = parseArgs({
  options: { name: { type: "string" }, "admin-email": { type: "string" }, "admin-name": { type: "string" } },
  strict: true,
});
if (!values.name || !values["admin-email"] || !values["admin-name"]) {
  console.error('usage: npm run workspace:create -- --name "Acme" --admin-email ada@acme.test --admin-name "Ada Admin"');
  process.exit(2);
}

const quiet = { info: () => {}, warn: (line: string) => console.error(line), error: (line: string, err?: unknown) => console.error(line, err ?? "") };
const running = await buildApp({ config: { ...readConfig(), seedDemo: false }, log: quiet });
const password = randomBytes(15).toString("base64url");
try {
  const { workspace, admin } = await createWorkspace(
    running.app,
    { name: values.name, adminEmail: values["admin-email"], adminName: values["admin-name"], password },
    { operator: true },
  );
  console.log(`Created workspace "${workspace.name}" (${workspace.id}).`);
  console.log(`Its admin ${admin.email} signs in with this password, shown only now: ${password}`);
} catch (err) {
  if (!(err instanceof DomainError)) throw err;
  console.error(`workspace:create: ${err.message}`);
  process.exitCode = 1;
} finally {
  await running.stop();
}
