import { readFileSync } from "node:fs";
import { buildSchema, findBreakingChanges } from "graphql";
import { describe, expect, it } from "vitest";
import { printedSchema, SCHEMA_FILE } from "../src/schema/print.js";

const CONTRACT = new URL("../../../shared/spec/public-schema.graphql", import.meta.url);

describe("public schema", () => {
  it("schema/schema.graphql is what the server serves (run `npm run schema:print` when this fails)", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(printedSchema());
  });

  it("has no breaking change against the public contract", () => {
    const contract = buildSchema(readFileSync(CONTRACT, "utf8"));
    const served = buildSchema(readFileSync(SCHEMA_FILE, "utf8"));
    expect(findBreakingChanges(contract, served).map((c) => `${c.type}: ${c.description}`)).toEqual([]);
  });
});
