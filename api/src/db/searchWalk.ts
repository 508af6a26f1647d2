/**
 * How far a search walks down a list before it reads its matches instead; shared by the inbox
 * (conversationSearch.ts) and the answers explorer (responses.ts). A walk probes each row in the
 * list's order, so a common word fills its page at once; a rare word is found from its few matches.
 */

/**
 * A search first walks this many rows down the list (conversations, answers): a word in one row of 6 or
 * more fills a page of 50 within them, and a word found in none of them is rare (its matches are
 * read instead) after this many index probes (a few milliseconds).
 */
export const SEARCH_WALK_CANDIDATES = 300;
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

/**
 * Searches whose page the walk did not find, remembered a while per list, workspace and words: the
 * inbox asks the same search again on every live change and every page, and a rare word need not
 * pay the walk each time. Only a hint: a remembered search goes straight to its matches, which
 * give the same page. Bounded (the oldest goes first) and per process.
 */
const RARE_KEPT = 2000;
const RARE_FOR_MS = 10 * 60_000;
const rare = new Map<string, number>();

export function rememberedRare(key: string, now = Date.now()): boolean {
  const at = rare.get(key);
  if (at === undefined) return false;
  if (now - at > RARE_FOR_MS) {
    rare.delete(key);
    return false;
  }
  return true;
}

export function rememberRare(key: string, now = Date.now()): void {
  rare.delete(key);
  rare.set(key, now);
  if (rare.size > RARE_KEPT) rare.delete(rare.keys().next().value!);
}

/** One try down the list: the page it found, how many matches it found, and whether that settles the page. */
export interface WalkTry<R> {
  rows: R[];
  found: number;
  complete: boolean;
}

/**
 * A search's page, the shared way: walks of growing length (`walk(candidates)`) while the word was
 * found but too seldom, then `matches()`; a search whose walks failed is remembered under `key`
 * and goes straight to its matches next time.
 */
export async function walkThenMatches<R>(key: string, limit: number, walk: (candidates: number) => Promise<WalkTry<R>>, matches: () => Promise<R[]>): Promise<R[]> {
  if (!rememberedRare(key)) {
    for (let candidates = SEARCH_WALK_CANDIDATES; candidates > 0; ) {
      const tried = await walk(candidates);
      if (tried.complete) return tried.rows;
      candidates = nextWalk(candidates, tried.found, limit);
    }
    rememberRare(key);
  }
  return matches();
}
