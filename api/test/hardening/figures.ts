/** The figures the hardening suite reports in its closing table; every "must be zero" is asserted zero. */
export const figures = {
  inputsTried: 0,
  responses5xx: 0,
  unmaskedErrors: 0,
  crossWorkspaceChecks: 0,
  crossWorkspaceLeaks: 0,
  auditsMustPassed: 0,
  auditsMustTotal: 0,
  auditsShouldWarnings: 0,
  wsCloseCodesChecked: 0,
  rateLimitChecks: 0,
  killRuns: 0,
  emailsExpected: 0,
  emailsLost: 0,
  emailsDuplicated: 0,
  settingsTornWrites: 0,
  secretsInLogs: 0,
};

export const MUST_BE_ZERO: (keyof typeof figures)[] = [
  "responses5xx",
  "unmaskedErrors",
  "crossWorkspaceLeaks",
  "emailsLost",
  "emailsDuplicated",
  "settingsTornWrites",
  "secretsInLogs",
];

export function printTable(): string {
  const rows = Object.entries(figures).map(([k, v]) => {
    const rule = MUST_BE_ZERO.includes(k as keyof typeof figures) ? "must be 0" : "";
    return `| ${k.padEnd(22)} | ${String(v).padStart(7)} | ${rule.padEnd(9)} |`;
  });
  return ["| figure                 |   value | rule      |", "|------------------------|---------|-----------|", ...rows].join("\n");
}

/** An error text that gives away internals. */
export function looksUnmasked(text: string): boolean {
  return /prisma|postgres|pglite|sql|syntax error at|duplicate key|violates|\n\s+at \S+ \(|node_modules|TypeError|ReferenceError/i.test(text);
}
