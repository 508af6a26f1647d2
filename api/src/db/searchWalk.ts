/**
 * How far a search walks down a list before it reads its matches instead; shared by the inbox
 * (conversationSearch.ts) and the answers explorer (responses.ts). A walk probes each row in the
 * list's order, so a common word fills its page at once; a rare word is found from its few matches.
 */

/**
 * A search first walks this many rows down the list (conversations, answers): a word in one row of 12 or
 * more fills a page of 50 within them, and a word found in none of them is rare (its matches are
 * read instead) after this many index probes (a few milliseconds).
 */
export const SEARCH_WALK_CANDIDATES = 600;
/** A word found, but too seldom to fill the page, is walked again this far at most, as far as its share says. */
export const SEARCH_WALK_MOST = 20_000;

/**
 * How far to walk again after a walk of `walked` candidates found `found` of the `limit` rows a
 * page needs: twice as far as the word's share says, within SEARCH_WALK_MOST; 0 when not worth it
 * (nothing found: a rare word; or already as far as allowed).
 */
export function nextWalk(walked: number, found: number, limit: number): number {
  if (found === 0 || walked >= SEARCH_WALK_MOST) return 0;
  return Math.min(SEARCH_WALK_MOST, Math.ceil((walked * limit * 2) / found));
}
