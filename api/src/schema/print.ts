import { fileURLToPath } from "node:url";
import { printSchema } from "graphql";
import { schema } from "./index.js";

export const SCHEMA_FILE = fileURLToPath(new URL("../../../schema/schema.graphql", import.meta.url));

export function printedSchema(): string {
  return `# Printed from the Pothos schema by \`npm run schema:print\`; do not edit.\n\n${printSchema(schema)}\n`;
}
