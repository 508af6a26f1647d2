/**
 * Per-item checks of the hardening suite: every test that shows a promise of issue 11 counts what it
 * tried and what held. Each test file saves its counts when it ends; the reporter in
 * `api/test/hardening/reporter.ts` prints one table for the whole run.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const CHECKS_DIR = fileURLToPath(new URL("../../../test-results/hardening", import.meta.url));

/** The items, by number, with the words the table prints. */
export const ITEMS = {
  "11.1": "one server per DATA_DIR; busy port is one line",
  "11.2": "sign-up is the operator's choice; no header injection",
  "11.3": "ended credentials close their sockets (4403 < 1 s)",
  "11.4": "token-field limit counts resolver runs",
  "11.5": "a hanging provider stalls neither dispatch nor SIGTERM",
  "11.6": "SIGTERM answers every request already received",
  "11.7": "limits on public mutations; scrypt N=2^17",
  "11.8": "bounded memory: subscriptions, payload, messages",
  "11.9": "survey tokens never leave through the API",
  "11.10": "no tokens in logs; HTML errors on HTML routes",
  "11.11": "concurrent first starts seed once; no demo in production",
  "11.12": "API keys: role, list, revoke, audit, actor",
  "11.13": "MCP origins from PUBLIC_URL / ALLOWED_ORIGINS",
  "11.14": "a forbidden subscription in a fragment closes 4403",
  "11.15": "ids normalised at the edge",
  "11.16": "CORS, frame-ancestors, nosniff, aborts, proxies",
  "11.17": "eraseCustomer and retention",
  "11.18": "hollow checks made able to fail",
  "11.19": "weak checks strengthened",
} as const;
export type Item = keyof typeof ITEMS;

export interface Count {
  tried: number;
  held: number;
}

const counts = new Map<Item, Count>();

/** Counts one attempt at `item`; returns `held` so a test can `expect(check(...)).toBe(true)`. */
export function check(item: Item, held: boolean): boolean {
  const count = counts.get(item) ?? { tried: 0, held: 0 };
  count.tried++;
  if (held) count.held++;
  counts.set(item, count);
  return held;
}

/** Counts `tried` attempts of which `held` held (for checks that run in bulk). */
export function checkMany(item: Item, tried: number, held: number): void {
  const count = counts.get(item) ?? { tried: 0, held: 0 };
  count.tried += tried;
  count.held += held;
  counts.set(item, count);
}

/** Writes this file's counts for the reporter; call from `afterAll`. */
export function saveChecks(name: string): void {
  mkdirSync(CHECKS_DIR, { recursive: true });
  writeFileSync(join(CHECKS_DIR, `${name}.json`), JSON.stringify(Object.fromEntries(counts)));
}
