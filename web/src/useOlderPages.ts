import { useCallback, useEffect, useRef, useState } from "react";

/**
 * Infinite scroll for a newest-first list paged by `after` (the last id of the page before): the
 * first page is the caller's live query; older pages are read as the element `sentinel` comes into
 * view (or `loadMore` is called) and kept below it, each entry once.
 */
export function useOlderPages<T extends { id: string }>(
  firstPage: readonly T[] | undefined,
  fetchPage: (after: string) => Promise<readonly T[] | null>,
  pageSize: number,
) {
  const [older, setOlder] = useState<T[]>([]);
  const [exhausted, setExhausted] = useState(false);
  const [loading, setLoading] = useState(false);
  const latestFetch = useRef(fetchPage);
  useEffect(() => {
    latestFetch.current = fetchPage;
  });
  const firstIds = new Set((firstPage ?? []).map((e) => e.id));
  const items = [...(firstPage ?? []), ...older.filter((e) => !firstIds.has(e.id))];
  const hasMore = !exhausted && (firstPage?.length ?? 0) >= pageSize;
  const last = items.at(-1)?.id;

  const loadMore = useCallback(async () => {
    if (!last || loading || !hasMore) return;
    setLoading(true);
    const page = await latestFetch.current(last);
    setLoading(false);
    if (!page) return;
    setOlder((have) => [...have, ...page.filter((e) => !have.some((h) => h.id === e.id))]);
    if (page.length < pageSize) setExhausted(true);
  }, [last, loading, hasMore, pageSize]);

  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasMore) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void loadMore();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [hasMore, loadMore]);

  return { items, hasMore, loading, loadMore, sentinel };
}
