import { badInput } from "../errors.js";
import { isId } from "../tokens.js";

/**
 * The `after` of a newest-first list (createdAt, then id, descending): the id of the last entry of
 * the page before, as the condition "older than it" for the next page. Entries never move in such a
 * list, so a walk gives each once; those added meanwhile are above it, for a fresh first page.
 * `find` reads the entry in the caller's workspace; an id it cannot find is BAD_USER_INPUT.
 */
export async function olderThan(
  after: string | null | undefined,
  find: (id: string) => Promise<{ createdAt: Date } | null>,
): Promise<{ OR: ({ createdAt: { lt: Date } } | { createdAt: Date; id: { lt: string } })[] } | undefined> {
  if (after == null) return undefined;
  const entry = isId(after) ? await find(after) : null;
  if (!entry) throw badInput("after must be the id of the last entry of the page before");
  return { OR: [{ createdAt: { lt: entry.createdAt } }, { createdAt: entry.createdAt, id: { lt: after } }] };
}
