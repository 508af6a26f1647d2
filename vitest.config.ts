import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One graphql for all: our sources would otherwise get its ESM build and Node-loaded
    // dependencies its CommonJS build, and graphql refuses types from "another realm".
    alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }],
  },
  test: {
    include: ["api/test/**/*.test.ts", "web/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: a few files at a time, each with its own databases and server.
    maxWorkers: 2,
    reporters: ["default", "./api/test/hardening/reporter.ts"],
  },
});
