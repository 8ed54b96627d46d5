import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { LogstreamClient } from '../../../src/client/client';
import { startServer, type RunningServer } from '../../../src/main/server';
import { launchBrowser, lineBatches, openPage, recordLineBatches, waitForFeed } from '../../support/browser';
import { newExecutionId, startHarness, waitFor, type Harness } from '../../support/harness';

describe('the web app resumes a dropped socket from its last line (real browser, real stack)', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let restarted: RunningServer | undefined;

  beforeAll(async () => {
    browser = await launchBrowser();
    h = await startHarness();
    dir = mkdtempSync(path.join(os.tmpdir(), 'logstream-web-'));
  });
  const restartedClient = (): LogstreamClient => new LogstreamClient({ url: restarted?.url ?? h.server.url });
  afterAll(async () => {
    // The browser first: its connections are what a graceful stop of the old API waits for.
    await page?.close();
    await browser?.close();
    await restarted?.stop();
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the API restarts under the page: it says so, resumes after its last line, and misses nothing', async () => {
    const id = newExecutionId('web-resume');
    const gate = path.join(dir, 'go');
    const script =
      'i=1; while [ $i -le 50 ]; do echo "line $i"; i=$((i+1)); done; ' +
      `while [ ! -e '${gate}' ]; do sleep 0.05; done; ` +
      'while [ $i -le 120 ]; do echo "line $i"; i=$((i+1)); done; while :; do sleep 1; done';
    await h.client.start({ command: ['sh', '-c', script], executionId: id });
    page = await openPage(browser);
    await recordLineBatches(page);
    await page.goto(`${h.server.url}/executions/${id}/view`);
    await waitForFeed(page, 'live', 50);

    // The API process goes away (its sockets close with 1001) and comes back on the same address.
    // Awaited: the stop must not wait for the browser's keep-alive connections (idle ones are closed at once).
    await h.server.stop();
    await waitForFeed(page, 'reconnecting', 50);
    expect(await feedStatus(page)).toMatch(/resuming after line 50/);
    await waitFor('the old API to stop listening', () =>
      fetch(`${h.server.url}/healthz`).then(
        () => undefined,
        () => true,
      ),
    );
    // Lines written while nobody serves the page: it must fetch them on its return.
    writeFileSync(gate, '');
    await waitFor('line 120 stored', async () =>
      ((await h.aws.store.latestChunk(id))?.last ?? 0) >= 120 ? true : undefined,
    );
    restarted = await startServer({ ...h.config, port: h.server.port });
    await waitForFeed(page, 'live', 120);
    expect(await feedStatus(page)).toMatch(/resumed after line (5\d|1[01]\d|120)\./);
    const batches = await lineBatches(page);
    let next = 1;
    for (const [first, last] of batches) {
      expect(first).toBe(next);
      next = last + 1;
    }
    expect(next).toBe(121);
    await restartedClient().getHandle(id).stop();
    await waitForFeed(page, 'done', 120);
  });
});

function feedStatus(page: Page): Promise<string | null> {
  return page.locator('.execution .feed-status').textContent();
}
