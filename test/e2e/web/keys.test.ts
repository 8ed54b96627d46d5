import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, waitForFeed } from '../../support/browser';
import { newExecutionId, startHarness, waitFor, TEST_TICKET_SECRET, type Harness } from '../../support/harness';

const KEY = 'web-test-key-0123456789';

describe('the web app with API keys: a key prompt for the session, tickets for the socket (real browser, real stack)', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    h = await startHarness({ env: { LOGSTREAM_API_KEYS: KEY, LOGSTREAM_TICKET_SECRET: TEST_TICKET_SECRET } });
  });
  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await h?.stop();
  });

  it('asks for a key, refuses a wrong one, then lists, tails over a ticketed socket and downloads with it', async () => {
    const id = newExecutionId('web-keys');
    await h.client.start({
      command: ['sh', '-c', 'echo "secret line 1"; echo "secret line 2"; while :; do sleep 1; done'],
      executionId: id,
    });
    await waitFor('two lines stored', async () =>
      (await h.client.getHandle(id).describe()).lastIndex >= 2 ? true : undefined,
    );

    // The page itself loads without a key; its data does not.
    page = await openPage(browser);
    await page.goto(`${h.server.url}/`);
    const dialog = page.getByRole('dialog', { name: 'API key' });
    await dialog.waitFor({ timeout: 60_000 });
    await expect(dialog.textContent()).resolves.toMatch(/needs a key/);
    await dialog.getByLabel('Key').fill('not-the-right-key-at-all');
    await dialog.getByRole('button', { name: 'Use key' }).click();
    await page.getByText('That API key was refused.').waitFor({ timeout: 60_000 });
    await page.getByRole('dialog', { name: 'API key' }).getByLabel('Key').fill(KEY);
    await page.getByRole('dialog', { name: 'API key' }).getByRole('button', { name: 'Use key' }).click();
    await page.locator(`tr[data-execution-id="${id}"]`).waitFor({ timeout: 60_000 });
    expect(await page.getByRole('button', { name: 'Forget API key' }).isVisible()).toBe(true);

    // Same browser session: no second prompt; the socket carries the ticket from websocket_url.
    await page.locator(`tr[data-execution-id="${id}"] a`).click();
    await waitForFeed(page, 'live', 2);
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await page.locator('.line[data-index="2"] .msg').textContent()).toBe('secret line 2');

    // A plain link cannot send the key: the download goes through fetch with it.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download .txt' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${id}.partial.log`);
    expect(readFileSync(await download.path(), 'utf8')).toBe('secret line 1\nsecret line 2\n');

    const anonymous = await fetch(`${h.server.url}/executions/${id}/logs.txt`);
    expect(anonymous.status).toBe(401);
    await h.client.getHandle(id).stop();
    await waitForFeed(page, 'done', 2);
  });
});
