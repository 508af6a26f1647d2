import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Text that reads as a SQL statement. */
const SQL_TEXT = "/^\\s*(SELECT\\s|INSERT\\s+INTO|UPDATE\\s+\\S+\\s+SET|DELETE\\s+FROM|WITH\\s+\\S+\\s+AS|BEGIN|COMMIT|ROLLBACK|LOCK\\s+TABLE|CREATE\\s|ALTER\\s|DROP\\s)\\b/i";
const RAW_SQL = "SQL belongs in api/src/db/<table-or-concern>.ts, as a typed function over one transaction handle";
/** Files whose statements still wait to move into api/src/db/ (empty when the move is done). */
const SQL_NOT_YET_MOVED = [
];

export default tseslint.config(
  { ignores: ["node_modules/", "api/src/generated/", "web/dist/", "web/src/gql/", "web/src/widget/gql/", "tools/prisma-diff/node_modules/", ".data/", "bench-results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", fetch: "readonly", setTimeout: "readonly", clearTimeout: "readonly", Buffer: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // One data layer: hand-written SQL lives in api/src/db/ as typed functions; services hold rules.
    files: ["api/src/**/*.ts"],
    ignores: ["api/src/db/**", "api/src/generated/**", ...SQL_NOT_YET_MOVED],
    rules: {
      "no-restricted-syntax": [
        "error",
        { selector: `Literal[value=${SQL_TEXT}]`, message: RAW_SQL },
        { selector: `TemplateElement[value.raw=${SQL_TEXT}]`, message: RAW_SQL },
        { selector: "TaggedTemplateExpression[tag.property.name=/^\\$(queryRaw|executeRaw)(Unsafe)?$/]", message: RAW_SQL },
        { selector: "CallExpression[callee.property.name=/^\\$(queryRaw|executeRaw)Unsafe$/]", message: RAW_SQL },
        { selector: "MemberExpression[object.name='Prisma'][property.name=/^(sql|raw|join|empty)$/]", message: RAW_SQL },
      ],
    },
  },
  {
    files: ["api/test/**/*.ts", "api/testkit/**/*.ts", "web/test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
