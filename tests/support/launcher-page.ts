import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';

/** Selectors of the reference launcher (apps/simulator/demo-page), in one place for the kit's suites. */
export function fileRow(page: Page, sha256: string): Locator {
  return page.locator(`[data-testid=file-row][data-sha256="${sha256}"]`);
}

export function phaseOf(page: Page, sha256: string): Promise<string | null> {
  return fileRow(page, sha256).getAttribute('data-phase', { timeout: 5_000 });
}

export function rowCount(page: Page): Promise<number> {
  return page.locator('[data-testid=file-row]').count();
}

export async function sha256OfFile(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** Pretends the page is in a background tab: what Chromium reports when the window is hidden. */
export function hidePage(page: Page): Promise<void> {
  return page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
}

export function showPage(page: Page): Promise<void> {
  return page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
    document.dispatchEvent(new Event('visibilitychange'));
    window.dispatchEvent(new Event('focus'));
  });
}
