// Prints the served schema to schema/schema.graphql (sorted); test/schema.test.ts checks it is current.
import { writeFileSync } from "node:fs";
import { printedSchema, SCHEMA_FILE } from "../src/schema/print.js";

writeFileSync(SCHEMA_FILE, printedSchema());
console.log(`schema: wrote ${SCHEMA_FILE}`);
