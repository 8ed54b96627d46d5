import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, renderedLines, SCREENSHOT_DIR, waitForFeed } from '../../support/browser';
import { newExecutionId, startHarness, waitSealed, type Harness } from '../../support/harness';

// 300 lines; every 25th is an ERROR line whose first word is red (SGR 31).
const COLOURED_JOB = [
  'sh',
  '-c',
  'i=1; while [ $i -le 300 ]; do if [ $((i % 25)) -eq 0 ]; then printf "\\033[31mERROR\\033[0m failure %d\\n" $i; ' +
    'else echo "info step $i"; fi; i=$((i+1)); done',
];
const ERROR_LINES = Array.from({ length: 12 }, (_, i) => (i + 1) * 25);

describe('the web app shows a log as people read it (real browser, real stack)', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let coloured: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    h = await startHarness();
    coloured = newExecutionId('web-colour');
    await h.client.start({ command: COLOURED_JOB, executionId: coloured });
    await waitSealed(h.client, coloured);
  });
  beforeEach(async () => {
    page = await openPage(browser);
  });
  afterEach(async () => {
    await page?.close();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('renders ANSI colours as styles, never as escape characters; a completed log opens no socket', async () => {
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.goto(`${h.server.url}/executions/${coloured}/view`);
    await waitForFeed(page, 'done', 300);
    expect(sockets).toEqual([]);
    const red = page.locator('.line[data-index="25"] .msg span').first();
    expect(await red.textContent()).toBe('ERROR');
    expect(await red.evaluate((span) => getComputedStyle(span).color)).toBe('rgb(255, 123, 114)');
    expect(await page.locator('.line[data-index="25"] .msg').textContent()).toBe('ERROR failure 25');
    expect(await page.locator('.line[data-index="24"] .msg span').count()).toBe(0);
    await expect(page.getByText('yes: the log is complete').isVisible()).resolves.toBe(true);

    // Timestamps: hidden by default, then UTC (ISO-like, Z), then local time.
    expect(await page.locator('.line .ts').count()).toBe(0);
    await page.getByLabel('Timestamps').selectOption('utc');
    expect(await page.locator('.line[data-index="1"] .ts').textContent()).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$/,
    );
    await page.getByLabel('Timestamps').selectOption('local');
    expect(await page.locator('.line[data-index="1"] .ts').textContent()).toMatch(/^\d{4}-\d\d-\d\d [\d:.]+$/);
    await page.getByLabel('Timestamps').selectOption('hidden');
  });

  it('#L250 opens scrolled to line 250; a click on a line number links to that line', async () => {
    await page.goto(`${h.server.url}/executions/${coloured}/view#L250`);
    await waitForFeed(page, 'done', 300);
    const target = page.locator('.line.target');
    await target.waitFor({ timeout: 60_000 });
    expect(await target.getAttribute('data-index')).toBe('250');
    expect(await isInView(page, 250)).toBe(true);
    expect(await isInView(page, 1)).toBe(false);
    await page.locator('.line[data-index="260"] .ln').click();
    await page.waitForFunction(() => document.querySelector('.line.target')?.getAttribute('data-index') === '260');
    expect(new URL(page.url()).hash).toBe('#L260');
  });

  it('the filter hides non-matching lines and highlights matches, as text or as a regular expression', async () => {
    await page.goto(`${h.server.url}/executions/${coloured}/view`);
    await waitForFeed(page, 'done', 300);
    await page.locator('.log-scroll').focus();
    await page.keyboard.press('/');
    await page.keyboard.type('error');
    await page.waitForFunction(() => document.querySelectorAll('.log-scroll .line').length === 12);
    expect((await renderedLines(page)).map((row) => row.index)).toEqual(ERROR_LINES);
    expect(await page.locator('.log-scroll mark').allTextContents()).toEqual(ERROR_LINES.map(() => 'ERROR'));

    await page.getByLabel('Regex').check();
    await page.getByLabel('Filter', { exact: true }).fill('failure [12]\\d0$');
    await page.waitForFunction(() => document.querySelectorAll('.log-scroll .line').length === 4);
    expect((await renderedLines(page)).map((row) => row.index)).toEqual([100, 150, 200, 250]);
    expect(await page.locator('#filter-count').textContent()).toBe('4 of 300 lines');
    expect(await page.locator('.log-scroll mark').allTextContents()).toEqual([
      'failure 100',
      'failure 150',
      'failure 200',
      'failure 250',
    ]);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'web-execution-filtered.png') });

    await page.getByLabel('Filter', { exact: true }).fill('failure (');
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Invalid regular expression/);
    await page.getByLabel('Filter', { exact: true }).fill('');
    await page.waitForFunction(() => document.querySelector('.line[data-index="1"]') !== null);
  });

  it('the filter keeps hiding non-matching lines while it follows a running job', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'logstream-web-'));
    const gate = path.join(dir, 'go');
    const id = newExecutionId('web-follow-filter');
    try {
      const script =
        `echo "warm up"; while [ ! -e '${gate}' ]; do sleep 0.05; done; ` +
        'i=1; while [ $i -le 100 ]; do echo "tick $i"; if [ $((i % 10)) -eq 0 ]; then echo "match $i"; fi; i=$((i+1)); done; ' +
        'while :; do sleep 1; done';
      await h.client.start({ command: ['sh', '-c', script], executionId: id });
      await page.goto(`${h.server.url}/executions/${id}/view`);
      await waitForFeed(page, 'live', 1);
      await page.getByLabel('Filter', { exact: true }).fill('match');
      writeFileSync(gate, '');
      await waitForFeed(page, 'live', 111);
      await page.waitForFunction(() => document.querySelectorAll('.log-scroll .line').length === 10);
      const rows = await renderedLines(page);
      expect(rows.map((row) => row.text)).toEqual(Array.from({ length: 10 }, (_, i) => `match ${(i + 1) * 10}`));
      expect(await page.getByRole('button', { name: 'Jump to live' }).isHidden()).toBe(true);
    } finally {
      await h.client
        .getHandle(id)
        .stop()
        .catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the executions page lists newest first with a status filter and search by id; screenshots of both pages', async () => {
    const failed = newExecutionId('web-failed');
    await h.client.start({ command: ['sh', '-c', 'echo "about to fail"; exit 3'], executionId: failed });
    await waitSealed(h.client, failed);
    await page.goto(`${h.server.url}/`);
    const row = (id: string) => page.locator(`tr[data-execution-id="${id}"]`);
    await row(failed).waitFor({ timeout: 60_000 });
    const ids = await page
      .locator('tbody tr[data-execution-id]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-execution-id')));
    expect(ids.indexOf(failed)).toBeLessThan(ids.indexOf(coloured));
    expect(await row(failed).locator('.badge').textContent()).toBe('FAILED');
    expect(await row(coloured).locator('.badge').textContent()).toBe('SUCCEEDED');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'web-executions.png'), fullPage: true });

    await page.getByLabel('Status').selectOption('FAILED');
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('tbody .badge')).every((badge) => badge.textContent === 'FAILED'),
    );
    expect(await row(coloured).count()).toBe(0);
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Search by id').fill(coloured);
    await page.waitForFunction(() => document.querySelectorAll('tbody tr[data-execution-id]').length === 1);
    await row(coloured).getByRole('link').click();
    await waitForFeed(page, 'done', 300);
    expect(await page.locator('.meta').textContent()).toMatch(/Exit code0/);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'web-execution.png') });

    // A narrow screen: the same page still fits, nothing scrolls sideways but the log itself.
    await page.setViewportSize({ width: 375, height: 740 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'web-execution-narrow.png') });
  });
});

/** Whether line `index` is rendered inside the visible part of the log. */
async function isInView(page: Page, index: number): Promise<boolean> {
  return page.evaluate((wanted) => {
    const scroller = document.querySelector('.log-scroll');
    const row = document.querySelector(`.line[data-index="${wanted}"]`);
    if (!scroller || !row) return false;
    const outer = scroller.getBoundingClientRect();
    const inner = row.getBoundingClientRect();
    return inner.top >= outer.top && inner.bottom <= outer.bottom;
  }, index);
}
