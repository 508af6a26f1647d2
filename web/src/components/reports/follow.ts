import type { MouseEvent } from "react";
import { navigate } from "../../router";

/** Follows an in-app link of a chart (an SVG `<a>`) in place; a modified click stays the browser's. */
export function followLink(event: MouseEvent, href: string): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(href);
}
