/**
 * A vitest reporter that prints the hardening items' table (tried / held per item of issue 11) at the
 * end of a run, from what each hardening test file saved with `saveChecks`.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Reporter } from "vitest/node";
import { CHECKS_DIR, ITEMS, type Count, type Item } from "./checks.js";

export function itemsTable(): string | null {
  if (!existsSync(CHECKS_DIR)) return null;
  const total = new Map<string, Count>();
  for (const file of readdirSync(CHECKS_DIR).filter((f) => f.endsWith(".json"))) {
    const saved = JSON.parse(readFileSync(join(CHECKS_DIR, file), "utf8")) as Record<string, Count>;
    for (const [item, count] of Object.entries(saved)) {
      const sum = total.get(item) ?? { tried: 0, held: 0 };
      sum.tried += count.tried;
      sum.held += count.held;
      total.set(item, sum);
    }
  }
  if (total.size === 0) return null;
  const rows = (Object.keys(ITEMS) as Item[]).map((item) => {
    const c = total.get(item);
    const verdict = !c ? "not run" : c.held === c.tried && c.tried > 0 ? "held" : "BROKEN";
    return `| ${item.padEnd(5)} | ${ITEMS[item].padEnd(55)} | ${String(c?.tried ?? "-").padStart(5)} | ${String(c?.held ?? "-").padStart(5)} | ${verdict.padEnd(7)} |`;
  });
  return [
    `| item  | ${"promise".padEnd(55)} | tried |  held | verdict |`,
    `|-------|-${"-".repeat(55)}-|-------|-------|---------|`,
    ...rows,
  ].join("\n");
}

export default class HardeningReporter implements Reporter {
  onTestRunStart(): void {
    rmSync(CHECKS_DIR, { recursive: true, force: true });
  }
  onTestRunEnd(): void {
    const table = itemsTable();
    if (table) console.log(`\nHardening, second round (issue 11)\n${table}\n`);
  }
}
