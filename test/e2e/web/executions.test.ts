import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import type { Browser, Page } from 'playwright-core';
import { toWireError } from '../../../src/contract';
import { webRoutes } from '../../../src/api/web-routes';
import { launchBrowser, openPage } from '../../support/browser';
import { newExecutionId, startHarness, waitSealed, type Harness } from '../../support/harness';

describe('the executions page and the web app routes (real browser, real stack)', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    h = await startHarness();
  });
  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await h?.stop();
  });

  it('pages through the executions, newest first', async () => {
    // Other test files share this Temporal server (some leave executions running, which it lists first): the page is
    // searched for this run's ids, so that only ours are paged.
    const run = newExecutionId('web-page');
    const ids = Array.from({ length: 5 }, (_, i) => `${run}-${i}`);
    for (const id of ids) {
      await h.client.start({ command: ['true'], executionId: id });
      await waitSealed(h.client, id);
    }
    page = await openPage(browser);
    await page.goto(`${h.server.url}/?q=${run}&per_page=2`);
    const shownIds = (): Promise<(string | null)[]> =>
      page
        .locator('tbody tr[data-execution-id]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-execution-id')));
    await page.waitForFunction(() => document.querySelectorAll('tbody tr[data-execution-id]').length === 2);
    const first = await shownIds();
    expect(await page.getByRole('button', { name: '← Newer' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Older →' }).click();
    await page.getByText('Page 2').waitFor();
    await page.waitForFunction((previous) => {
      const now = Array.from(document.querySelectorAll('tbody tr[data-execution-id]')).map((r) =>
        r.getAttribute('data-execution-id'),
      );
      return now.length === 2 && !now.some((id) => previous.includes(id));
    }, first);
    expect(new URL(page.url()).searchParams.get('page')).toBe('1');
    // Newest first across the pages: each ended before the next started, so the two pages hold the four newest.
    expect([...first, ...(await shownIds())]).toEqual([ids[4], ids[3], ids[2], ids[1]]);
    await page.getByRole('button', { name: '← Newer' }).click();
    await page.getByText('Page 1').waitFor();
    await page.waitForFunction(
      (previous) =>
        Array.from(document.querySelectorAll('tbody tr[data-execution-id]'))
          .map((r) => r.getAttribute('data-execution-id'))
          .join() === previous.join(),
      first,
    );
  });

  it('serves the page with a strict content security policy, and the assets by name only', async () => {
    const html = await fetch(`${h.server.url}/executions/any-id/view`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await html.text()).toContain('<script type="module" src="/assets/main.js"></script>');
    const script = await fetch(`${h.server.url}/assets/main.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    const unknown = await fetch(`${h.server.url}/assets/..%2Fpackage.json`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('says the web app is not built, instead of an empty page, when its assets are missing', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'logstream-no-web-'));
    try {
      const app = new Hono()
        .onError((error, c) => {
          const { status, body } = toWireError(error);
          return c.json(body, status);
        })
        .route('/', webRoutes({ assetsDir: empty }));
      const response = await app.request('/');
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({
        error: { code: 'WEB_APP_NOT_BUILT', message: expect.stringMatching(/npm run build/) },
      });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
