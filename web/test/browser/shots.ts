import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";

/** Where this branch's browser tests leave screenshots for people to look at (outside the repository). */
const SHOTS = process.env.HYDRA_SHOTS_DIR ?? "/work/wt/shots/widgetui";

/** A full-page screenshot of what `page` shows, named `<name>-<width>.png`. */
export async function shot(page: Page, name: string): Promise<void> {
  await mkdir(SHOTS, { recursive: true });
  const width = page.viewportSize()?.width ?? 0;
  await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
}
