import path from 'node:path';
import type { Page } from 'playwright-core';
import { SCREENSHOT_DIR, waitForFeed } from '../../support/browser';
import { browserSuite } from '../../support/browser-suite';
import { runningExternal, writeLines } from '../../support/external-job';
import { newExecutionId, waitFor, waitSealed } from '../../support/harness';
import { storeSealedLog, SyntheticSource } from '../../support/synthetic-log';

const LINES = 1_000_000;
// What "bounded" means here: the rows in view plus the overscan, and the window of lines held (WINDOW_MAX_LINES).
const MAX_LINE_ELEMENTS = 500;
const MAX_HELD_LINES = 20_000;

describe('a 1,000,000-line log in the web app: opened at its end, read as it comes into view (real browser, real stack)', () => {
  let id: string;
  const suite = browserSuite(async (h) => {
    // Stored and sealed straight through the store's append protocol: a job printing a million lines would take
    // minutes of the suite for nothing this test looks at.
    id = newExecutionId('web-huge');
    const location = { logGroup: h.config.logGroup, logStreams: [`synthetic/${id}`] };
    await storeSealedLog(h.aws.store, new SyntheticSource(LINES, (i) => `line ${i}`), id, location);
  }, 600_000);
  const page = (): Page => suite.page;

  const line = (index: number) => page().locator(`.line[data-index="${index}"]`);
  const held = () => page().$eval('section.execution', (section) => Number((section as HTMLElement).dataset.held));
  const rows = () => page().locator('.log-scroll .line').count();

  it('shows the last line having read only the end; scrollback, top, end and a range link read their pages only', async () => {
    const reads: number[] = [];
    page().on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.endsWith('/logs')) reads.push(Number(url.searchParams.get('since_index')));
    });
    await page().goto(`${suite.h.server.url}/executions/${id}/view`);
    await line(LINES).waitFor({ state: 'visible' });
    await waitForFeed(page(), 'done', LINES);
    expect(await line(LINES).locator('.msg').textContent()).toBe(`line ${LINES}`);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((since) => since >= LINES - 1000)).toBe(true);
    expect(await rows()).toBeLessThan(MAX_LINE_ELEMENTS);

    // Scrollback: a few screens up, the lines there are read and shown.
    await page()
      .locator('.log-scroll')
      .evaluate((scroller) => void (scroller.scrollTop -= 20 * 1500));
    await line(LINES - 1500)
      .locator('.msg')
      .getByText(`line ${LINES - 1500}`)
      .waitFor();

    await page().getByRole('button', { name: 'Jump to top' }).click();
    await line(1).locator('.msg').getByText('line 1', { exact: true }).waitFor();
    expect(await line(1).isVisible()).toBe(true);

    await page().getByRole('button', { name: 'Jump to end' }).click();
    await line(LINES).locator('.msg').getByText(`line ${LINES}`).waitFor();
    expect(await line(LINES).isVisible()).toBe(true);
    await page().getByRole('button', { name: 'Jump to end' }).waitFor({ state: 'hidden' });

    await page().evaluate(() => (location.hash = '#L500000-L500002'));
    await page().waitForFunction(() => document.querySelectorAll('.line.target').length === 3);
    expect(await line(500_001).locator('.msg').textContent()).toBe('line 500001');
    expect(await line(500_000).isVisible()).toBe(true);

    expect(await held()).toBeLessThanOrEqual(MAX_HELD_LINES);
    expect(await rows()).toBeLessThan(MAX_LINE_ELEMENTS);
    // Only pages near what was shown were read: nothing like the whole log.
    expect(reads.length).toBeLessThan(20);
    await page().screenshot({ path: path.join(SCREENSHOT_DIR, 'web-execution-huge.png') });
  }, 300_000);

  it('the filter finds a line far from what is loaded, and its match jumps there', async () => {
    await page().goto(`${suite.h.server.url}/executions/${id}/view`);
    await waitForFeed(page(), 'done', LINES);
    await page().getByLabel('Filter').fill('line 424242');
    const list = page().getByRole('region', { name: 'Matches in the whole log' });
    await list.getByText('1 match in the whole log').waitFor({ timeout: 300_000 });
    await list.locator('li[data-index="424242"] a').click();
    await page().locator('.line.target[data-index="424242"] .msg').getByText('line 424242').waitFor();
    expect(await line(424_242).isVisible()).toBe(true);
    expect(await held()).toBeLessThanOrEqual(MAX_HELD_LINES);
  }, 300_000);

  it('#L123456 opens there, not at the end', async () => {
    await page().goto(`${suite.h.server.url}/executions/${id}/view#L123456`);
    await page().locator('.line.target[data-index="123456"]').waitFor({ state: 'visible' });
    expect(await line(LINES).count()).toBe(0);
  });

  it('a running log opened windowed follows its end over the socket, and ends sealed', async () => {
    const running = await runningExternal(suite.h, 'web-window-live', ['one', 'two', 'three']);
    await page().goto(`${suite.h.server.url}/executions/${running}/view?window=1`);
    await waitForFeed(page(), 'live', 3);
    await writeLines(suite.h, `external/${running}`, ['four', 'five']);
    await line(5).locator('.msg').getByText('five').waitFor();
    expect(await line(5).isVisible()).toBe(true);
    await suite.h.client.getHandle(running).complete({ status: 'SUCCEEDED', eventCount: 5 });
    await waitSealed(suite.h.client, running);
    await waitForFeed(page(), 'done', 5);
    await waitFor('the sealed status shown', async () =>
      (await page().getByText('yes: the log is complete').isVisible()) ? true : undefined,
    );
  });
});
