import type { Browser, Page } from 'playwright-core';
import type { Config } from '../src/config';
import { startServer } from '../src/main/server';
import { createAwsAdapters } from '../src/compose/wiring';
import { chromiumPath, launchBrowser } from '../test/support/browser';
import { storeSealedLog, SyntheticSource } from '../test/support/synthetic-log';

/** The page's live JS heap in MB, after a collection (Chromium's DevTools protocol). */
async function jsHeapMb(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    return usedSize / (1024 * 1024);
  } finally {
    await cdp.detach();
  }
}

/** Opens `url` and measures the time until line `last` is visible (at the end), the JS heap then and the rows. */
async function openAtEnd(browser: Browser, url: string, last: number, jump: boolean): Promise<number[]> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    const started = performance.now();
    await page.goto(url);
    if (jump) {
      // The whole-log view opens a completed log at its first line: it is loaded first, then taken to its end.
      await page.waitForFunction(
        (n) => {
          const section = document.querySelector<HTMLElement>('section.execution');
          return section?.dataset.phase === 'done' && Number(section.dataset.lastIndex) === n;
        },
        last,
        { timeout: 600_000, polling: 50 },
      );
      await page.getByRole('button', { name: 'Jump to end' }).click({ timeout: 600_000 });
    }
    await page.locator(`.line[data-index="${last}"]`).waitFor({ state: 'visible', timeout: 600_000 });
    const toLastLine = performance.now() - started;
    const heap = await jsHeapMb(page);
    const rows = await page.locator('.log-scroll .line').count();
    return [toLastLine, heap, rows];
  } finally {
    await page.close();
  }
}

/**
 * The execution page on a sealed 1,000,000-line log, opened windowed at its end (the default for a long log): time to
 * its last line visible, the JS heap and the rows in the DOM; beside the whole-log view (`?window=0`, the page before
 * the window) on a 200,000-line log.
 */
export async function benchWebHugeLog(
  config: Config,
  lines = 1_000_000,
  baseline = 200_000,
): Promise<Record<string, number>> {
  try {
    chromiumPath();
  } catch (error) {
    process.stderr.write(`web_huge_log not measured: ${error instanceof Error ? error.message : String(error)}\n`);
    return {};
  }
  const aws = createAwsAdapters(config);
  const server = await startServer(config);
  const browser = await launchBrowser();
  try {
    const seed = async (count: number): Promise<string> => {
      const id = `bench-web-huge-${count}-${Date.now()}`;
      const location = { logGroup: config.logGroup, logStreams: [`synthetic/${id}`] };
      await storeSealedLog(aws.store, new SyntheticSource(count, (i) => `line ${i} ${'x'.repeat(60)}`), id, location);
      return id;
    };
    const huge = await seed(lines);
    const small = await seed(baseline);
    const view = (id: string, query = '') => `${server.url}/executions/${id}/view${query}`;
    // One warm-up each, then the measured runs.
    await openAtEnd(browser, view(huge), lines, false);
    const [windowMs = NaN, windowHeap = NaN, windowRows = NaN] = await openAtEnd(browser, view(huge), lines, false);
    await openAtEnd(browser, view(small, '?window=0'), baseline, true);
    const [fullMs = NaN, fullHeap = NaN, fullRows = NaN] = await openAtEnd(
      browser,
      view(small, '?window=0'),
      baseline,
      true,
    );
    return {
      lines,
      windowed_to_last_line_ms: Math.round(windowMs),
      windowed_js_heap_mb: Math.round(windowHeap * 10) / 10,
      windowed_line_elements: windowRows,
      baseline_lines: baseline,
      whole_log_to_last_line_ms: Math.round(fullMs),
      whole_log_js_heap_mb: Math.round(fullHeap * 10) / 10,
      whole_log_line_elements: fullRows,
    };
  } finally {
    await browser.close();
    await server.stop();
    aws.destroy();
  }
}
