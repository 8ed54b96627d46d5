/// <reference lib="dom" />
import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildWebAssets } from '../../src/web/build';

/** Where screenshots of the pages go (git-ignored). */
export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', 'test-results');

// The system's Chromium (Debian package `chromium`), found as scripts/install-toolchain.sh finds it: the
// browser tests never download a browser.
const NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Chromium to drive: `LOGSTREAM_CHROMIUM`, else the first on PATH; a clear error naming the fix when none. */
export function chromiumPath(): string {
  const given = process.env.LOGSTREAM_CHROMIUM;
  if (given) {
    if (executable(given)) return given;
    throw new Error(`LOGSTREAM_CHROMIUM=${given} is not an executable Chromium or Chrome`);
  }
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const name of NAMES) {
    const found = dirs.map((dir) => path.join(dir, name)).find(executable);
    if (found) return found;
  }
  throw new Error(
    `no Chromium for the browser tests (none of ${NAMES.join(', ')} on PATH): run 'bash scripts/install-toolchain.sh' ` +
      "(Debian/Ubuntu, as root: 'apt-get install chromium'), or set LOGSTREAM_CHROMIUM to a Chromium or Chrome binary",
  );
}

let built: Promise<string> | undefined;

/** Builds the web app's assets (once per test file) and starts a headless Chromium. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  built ??= buildWebAssets();
  await built;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({
    executablePath,
    headless: true,
    // Root (CI, containers) cannot use Chromium's sandbox; /dev/shm is small in containers.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
    timeout: 120_000,
  });
}

/** A new page whose waits default to a bound generous enough for a loaded machine (they wait for states). */
export async function openPage(browser: Browser, options: { width?: number; height?: number } = {}): Promise<Page> {
  const page = await browser.newPage({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    acceptDownloads: true,
  });
  page.setDefaultTimeout(120_000);
  return page;
}

/** Records, in the page, every batch of lines the web app appends (its `logstream:lines` event), in order. */
export async function recordLineBatches(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const batches: [number, number][] = [];
    (window as unknown as { lineBatches: [number, number][] }).lineBatches = batches;
    document.addEventListener('logstream:lines', (event) => {
      const { first, last } = (event as CustomEvent<{ first: number; last: number }>).detail;
      batches.push([first, last]);
    });
  });
}

/** The batches recorded by `recordLineBatches`. */
export function lineBatches(page: Page): Promise<[number, number][]> {
  return page.evaluate(() => (window as unknown as { lineBatches: [number, number][] }).lineBatches);
}

/** Waits until the execution page's feed is in `phase` with at least `lastIndex` lines (a state, not a time). */
export async function waitForFeed(page: Page, phase: string, lastIndex: number, timeoutMs = 120_000): Promise<void> {
  await page.waitForFunction(
    ([wantedPhase, wantedIndex]) => {
      const section = document.querySelector<HTMLElement>('section.execution');
      return (
        section?.dataset.phase === wantedPhase && Number(section.dataset.lastIndex ?? '0') >= (wantedIndex as number)
      );
    },
    [phase, lastIndex] as const,
    { timeout: timeoutMs, polling: 100 },
  );
}

/** The rows of the log now in the DOM: index and text, in index order. */
export function renderedLines(page: Page): Promise<{ index: number; text: string }[]> {
  return page.$$eval('.log-scroll .line', (rows) =>
    rows
      .map((row) => ({
        index: Number((row as HTMLElement).dataset.index),
        text: row.querySelector('.msg')?.textContent ?? '',
      }))
      .sort((a, b) => a.index - b.index),
  );
}
