import type { RefObject } from "react";

/** The foot of an infinitely scrolled list: it loads the next page when seen, or on its button. */
export function ListMore({
  paged,
  what,
}: {
  paged: { hasMore: boolean; loading: boolean; loadMore: () => Promise<void>; sentinel: RefObject<HTMLDivElement | null>; items: readonly unknown[] };
  what: string;
}) {
  if (!paged.items.length) return null;
  return paged.hasMore ? (
    <div ref={paged.sentinel} className="list-more">
      <button type="button" className="button button--secondary" onClick={() => void paged.loadMore()} aria-busy={paged.loading}>
        {paged.loading ? "Loading…" : `Load older ${what}`}
      </button>
    </div>
  ) : (
    <p className="list-more muted">That is all {paged.items.length.toLocaleString()} {what}.</p>
  );
}
