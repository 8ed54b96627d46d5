import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  launchBrowser,
  lineBatches,
  openPage,
  recordLineBatches,
  renderedLines,
  waitForFeed,
} from '../../support/browser';
import { newExecutionId, startHarness, waitFor, waitSealed, type Harness } from '../../support/harness';

// Lines 1..first, then (once the test creates the gate file) lines first+1..total, then it runs until stopped.
function gatedJob(gate: string, first: number, total: number): string[] {
  const script = [
    `i=1; while [ $i -le ${first} ]; do echo "line $i"; i=$((i+1)); done`,
    `while [ ! -e '${gate}' ]; do sleep 0.05; done`,
    `while [ $i -le ${total} ]; do echo "line $i"; i=$((i+1)); done`,
    'while :; do sleep 1; done',
  ].join('; ');
  return ['sh', '-c', script];
}

// Follow mode keeps the end in view: the rows in the DOM are the log's last ones, contiguous, with their text.
async function expectFollowedTail(page: Page, total: number): Promise<void> {
  // Rows are drawn on the next animation frame after the lines arrive.
  await page.locator(`.line[data-index="${total}"]`).waitFor();
  const rows = await renderedLines(page);
  expect(rows.length).toBeGreaterThan(10);
  const from = total - rows.length + 1;
  expect(rows).toEqual(Array.from({ length: rows.length }, (_, i) => ({ index: from + i, text: `line ${from + i}` })));
  await expect(page.locator(`.line[data-index="${total}"]`).isVisible()).resolves.toBe(true);
  expect(await page.getByRole('button', { name: 'Jump to live' }).isHidden()).toBe(true);
}

// Every batch the page appended, in arrival order, covers 1..total once: no gap, no duplicate, no reordering.
function expectContiguous(batches: [number, number][], total: number): void {
  let next = 1;
  for (const [first, last] of batches) {
    expect(first).toBe(next);
    expect(last).toBeGreaterThanOrEqual(first);
    next = last + 1;
  }
  expect(next - 1).toBe(total);
}

describe('the web app follows a running execution live (real browser, real stack)', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let dir: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    h = await startHarness();
    dir = mkdtempSync(path.join(os.tmpdir(), 'logstream-web-'));
  });
  beforeEach(async () => {
    page = await openPage(browser);
    await recordLineBatches(page);
  });
  afterEach(async () => {
    await page?.close();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a page open from the start receives every line in order over the socket; Stop ends it sealed', async () => {
    const id = newExecutionId('web-live');
    const gate = path.join(dir, `${id}.go`);
    await h.client.start({ command: gatedJob(gate, 1, 200), executionId: id });
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.goto(`${h.server.url}/executions/${id}/view`);
    await waitForFeed(page, 'live', 1);
    // One socket, from the websocket_url of /logs, resuming after what the page already has (none, or line 1).
    expect(sockets).toEqual([expect.stringMatching(new RegExp(`/ws\\?execution_id=${id}&last_index=[01]&ticket=`))]);
    // The page is live on the socket before the rest of the job's output exists.
    writeFileSync(gate, '');
    await waitForFeed(page, 'live', 200);
    expectContiguous(await lineBatches(page), 200);
    await expectFollowedTail(page, 200);

    // The executions page, open beside it, shows the badge live: RUNNING now, STOPPED without a reload.
    const list = await openPage(browser);
    const badge = list.locator(`tr[data-execution-id="${id}"] .badge`);
    await list.goto(`${h.server.url}/`);
    await list.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent === 'RUNNING',
      `tr[data-execution-id="${id}"] .badge`,
    );

    // Stop is two clicks (a stray one must not kill a job); the page then shows the sealed end.
    const stop = page.getByRole('button', { name: 'Stop execution' });
    await stop.click();
    await page.getByRole('button', { name: 'Confirm stop' }).click();
    await waitForFeed(page, 'done', 200);
    await list.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent === 'STOPPED',
      `tr[data-execution-id="${id}"] .badge`,
      { timeout: 60_000 },
    );
    expect(await badge.textContent()).toBe('STOPPED');
    await list.close();
    await waitSealed(h.client, id);
    await page.getByText('yes: the log is complete').waitFor({ timeout: 60_000 });
    expect(await page.locator('.meta .badge').textContent()).toBe('STOPPED');
    expectContiguous(await lineBatches(page), 200);
  });

  it('a page opened mid-run shows lines 1..N with no gap, then the rest live', async () => {
    const id = newExecutionId('web-late');
    const gate = path.join(dir, `${id}.go`);
    await h.client.start({ command: gatedJob(gate, 150, 300), executionId: id });
    await waitFor('150 lines stored', async () =>
      (await h.client.getHandle(id).describe()).lastIndex >= 150 ? true : undefined,
    );
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.goto(`${h.server.url}/executions/${id}/view`);
    await waitForFeed(page, 'live', 150);
    // Lines 1..150 came from /logs; the socket starts after them.
    expect(sockets).toEqual([expect.stringContaining(`execution_id=${id}&last_index=150&`)]);
    writeFileSync(gate, '');
    await waitForFeed(page, 'live', 300);
    expectContiguous(await lineBatches(page), 300);
    await expectFollowedTail(page, 300);
    await h.client.getHandle(id).stop();
    await waitForFeed(page, 'done', 300);
  });
});
