import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, SCREENSHOT_DIR, waitForFeed } from '../support/browser';
import { newExecutionId, startHarness, waitSealed, type Harness } from '../support/harness';

const LINES = 200_000;
// What "bounded DOM size" means here: the rows in view plus the overscan, far below the log's length.
const MAX_LINE_ELEMENTS = 500;

describe('a 200,000-line log in the web app (real browser, real stack)', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let id: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    h = await startHarness();
    id = newExecutionId('web-large');
    await h.client.run(['seq', '1', String(LINES)], id);
    await waitSealed(h.client, id, 600_000);
  }, 700_000);
  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await h?.stop();
  });

  it('loads, jumps to its end and keeps fewer than 500 line elements in the DOM', async () => {
    page = await openPage(browser);
    await page.goto(`${h.server.url}/executions/${id}/view`);
    await waitForFeed(page, 'done', LINES, 600_000);
    expect(await page.locator('.log-scroll .line').count()).toBeLessThan(MAX_LINE_ELEMENTS);

    await page.getByRole('button', { name: 'Jump to end' }).click();
    const last = page.locator(`.line[data-index="${LINES}"]`);
    await last.waitFor({ timeout: 60_000 });
    expect(await last.locator('.msg').textContent()).toBe(String(LINES));
    expect(await last.isVisible()).toBe(true);
    expect(await page.locator('.log-scroll .line').count()).toBeLessThan(MAX_LINE_ELEMENTS);
    // At the end it follows again: the control that brings it there is gone.
    expect(await page.getByRole('button', { name: 'Jump to end' }).isHidden()).toBe(true);

    // The middle, through a line link: still a window of rows, not the log.
    await page.evaluate(() => (location.hash = '#L123456'));
    await page.locator('.line.target[data-index="123456"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('.log-scroll .line').count()).toBeLessThan(MAX_LINE_ELEMENTS);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'web-execution-large.png') });
  }, 700_000);
});
