import type { Browser } from 'playwright-core';
import { LogstreamClient } from '../src/client/client';
import type { Config } from '../src/config';
import { startServer } from '../src/main/server';
import { startWorker } from '../src/main/worker';
import { chromiumPath, launchBrowser } from '../test/support/browser';
import { sleep } from './stack';

/**
 * How long opening the execution page takes until a sealed log of `lines` lines is loaded and shown at its end,
 * the line elements then in the DOM, and the 95th percentile frame time while scrolling through it.
 */
async function loadToEnd(browser: Browser, url: string, lines: number, virtualize: boolean): Promise<number[]> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    const started = performance.now();
    // The whole log loaded (`window=0`), as this benchmark has always measured; web-huge-log measures the window.
    await page.goto(`${url}?window=0${virtualize ? '' : '&virtualize=0'}`);
    await page.waitForFunction(
      (n) => {
        const section = document.querySelector<HTMLElement>('section.execution');
        return section?.dataset.phase === 'done' && Number(section.dataset.lastIndex) === n;
      },
      lines,
      { timeout: 600_000, polling: 50 },
    );
    const loaded = performance.now() - started;
    await page.getByRole('button', { name: 'Jump to end' }).click({ timeout: 600_000 });
    await page.locator(`.line[data-index="${lines}"]`).waitFor({ state: 'visible', timeout: 600_000 });
    const atEnd = performance.now() - started;
    const elements = await page.locator('.log-scroll .line').count();
    // Smoothness: scroll up through the log a screen per frame and take the 95th percentile frame time.
    const frameP95 = await page.evaluate(async () => {
      const scroller = document.querySelector('.log-scroll') as HTMLElement;
      const frames: number[] = [];
      let last = performance.now();
      for (let i = 0; i < 120; i++) {
        scroller.scrollTop -= scroller.clientHeight;
        await new Promise((resolve) => requestAnimationFrame(resolve));
        const now = performance.now();
        frames.push(now - last);
        last = now;
      }
      frames.sort((a, b) => a - b);
      return frames[Math.floor(frames.length * 0.95)] ?? NaN;
    });
    return [loaded, atEnd, elements, frameP95];
  } finally {
    await page.close();
  }
}

/**
 * The web app on a sealed 200,000-line log: time from opening the page to the log loaded and shown at its
 * end, virtualised (the default) against the same page rendering every line (`?virtualize=0`), as a ratio.
 */
export async function benchWebRender(config: Config, lines = 200_000): Promise<Record<string, number>> {
  try {
    chromiumPath();
  } catch (error) {
    // Without a browser this figure cannot be measured; the other benchmarks still can.
    process.stderr.write(`web_render not measured: ${error instanceof Error ? error.message : String(error)}\n`);
    return {};
  }
  const worker = await startWorker(config);
  const server = await startServer(config);
  const browser = await launchBrowser();
  try {
    const client = new LogstreamClient({ url: server.url });
    const id = `bench-web-${Date.now()}`;
    await client.start({ command: ['seq', '1', String(lines)], executionId: id });
    while (!(await client.getHandle(id).describe()).sealed) await sleep(250);
    const url = `${server.url}/executions/${id}/view`;
    // One warm-up of each, then the measured runs.
    await loadToEnd(browser, url, lines, true);
    const [virtualLoad = NaN, virtualEnd = NaN, virtualElements = NaN, virtualFrame = NaN] = await loadToEnd(
      browser,
      url,
      lines,
      true,
    );
    const [flatLoad = NaN, flatEnd = NaN, flatElements = NaN, flatFrame = NaN] = await loadToEnd(
      browser,
      url,
      lines,
      false,
    );
    return {
      lines,
      virtualized_load_ms: Math.round(virtualLoad),
      virtualized_to_end_ms: Math.round(virtualEnd),
      virtualized_line_elements: virtualElements,
      virtualized_scroll_frame_p95_ms: Math.round(virtualFrame * 10) / 10,
      unvirtualized_load_ms: Math.round(flatLoad),
      unvirtualized_to_end_ms: Math.round(flatEnd),
      unvirtualized_line_elements: flatElements,
      unvirtualized_scroll_frame_p95_ms: Math.round(flatFrame * 10) / 10,
      ratio_vs_unvirtualized: virtualEnd / flatEnd,
    };
  } finally {
    await browser.close();
    await server.stop();
    await worker.stop();
  }
}
