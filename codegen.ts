import type { CodegenConfig } from "@graphql-codegen/cli";

/** Typed `graphql()` documents for the web app, from the committed printed schema (no server needed). */
const config: CodegenConfig = {
  schema: "schema/schema.graphql",
  documents: ["web/src/**/*.{ts,tsx}", "!web/src/gql/**/*"],
  generates: {
    "web/src/gql/": {
      preset: "client",
      config: {
        scalars: { DateTime: "string" },
        strictScalars: true,
        enumsAsTypes: true,
        useTypeImports: true,
        onlyOperationTypes: true,
      },
    },
  },
  silent: true,
};

export default config;
