import { useEffect, useRef } from "react";

/**
 * Keeps a view current without a subscription: calls `refetch` every `intervalMs` while the page is
 * visible, and at once when the window regains focus or comes back online.
 */
export function useLiveRefetch(refetch: () => void, intervalMs: number, enabled = true): void {
  const latest = useRef(refetch);
  useEffect(() => {
    latest.current = refetch;
  });
  useEffect(() => {
    if (!enabled) return;
    const run = () => {
      if (document.visibilityState === "visible") latest.current();
    };
    const timer = window.setInterval(run, intervalMs);
    window.addEventListener("focus", run);
    window.addEventListener("online", run);
    document.addEventListener("visibilitychange", run);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener("focus", run);
      window.removeEventListener("online", run);
      document.removeEventListener("visibilitychange", run);
    };
  }, [intervalMs, enabled]);
}
