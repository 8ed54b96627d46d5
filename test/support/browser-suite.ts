import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage } from './browser';
import { startHarness, type Harness } from './harness';

/** What a browser suite's tests use: the stack, the browser and the page of the running test. */
export interface BrowserSuite {
  readonly h: Harness;
  readonly browser: Browser;
  readonly page: Page;
}

/**
 * Registers the hooks of a browser test file: Chromium and the real local stack for the file (then `setup`, e.g. the
 * executions its tests read), a new page for each test, everything closed at the end. Read the fields inside tests.
 */
export function browserSuite(setup: (h: Harness) => Promise<void> = async () => undefined, setupTimeoutMs?: number) {
  const suite = {} as { h: Harness; browser: Browser; page: Page };
  beforeAll(async () => {
    suite.browser = await launchBrowser();
    suite.h = await startHarness();
    await setup(suite.h);
  }, setupTimeoutMs);
  beforeEach(async () => {
    suite.page = await openPage(suite.browser);
  });
  afterEach(async () => {
    await suite.page?.close();
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.h?.stop();
  });
  return suite as BrowserSuite;
}
