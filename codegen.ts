import type { CodegenConfig } from "@graphql-codegen/cli";

const scalarsConfig = {
  scalars: { DateTime: "string" },
  strictScalars: true,
  enumsAsTypes: true,
  useTypeImports: true,
  onlyOperationTypes: true,
};

/**
 * Typed `graphql()` documents from the committed printed schema (no server needed): one set for the
 * web app, and a separate one for the chat widget, as plain strings (no graphql-js at run time), so
 * the widget's bundle holds only its own few operations.
 */
const config: CodegenConfig = {
  schema: "schema/schema.graphql",
  generates: {
    "web/src/gql/": {
      documents: ["web/src/**/*.{ts,tsx}", "!web/src/gql/**/*", "!web/src/widget/**/*"],
      preset: "client",
      config: scalarsConfig,
    },
    "web/src/widget/gql/": {
      documents: ["web/src/widget/**/*.ts", "!web/src/widget/gql/**/*"],
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: { ...scalarsConfig, documentMode: "string" },
    },
  },
  silent: true,
};

export default config;
