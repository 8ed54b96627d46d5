import path from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { launchBrowser, openPage, SCREENSHOT_DIR } from '../../support/browser';
import { newExecutionId, startHarness, waitFor, waitSealed, type Harness } from '../../support/harness';

/** The first frame of the page (the UI renders Markdown details in a frame of their own) holding `selector`. */
async function frameWith(page: Page, selector: string): Promise<Frame> {
  return waitFor(`a frame holding ${selector}`, async () => {
    for (const frame of page.frames()) {
      if ((await frame.locator(selector).count()) > 0) return frame;
    }
    return undefined;
  });
}

describe("the Temporal Web UI of the local dev server shows an execution's summary and details", () => {
  let h: Harness;
  let browser: Browser;
  beforeAll(async () => {
    [h, browser] = await Promise.all([startHarness(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('shows the summary, the details with the link to its logs and the sealed current details; screenshot', async () => {
    const ui = process.env.LOGSTREAM_TEST_TEMPORAL_UI_URL;
    if (!ui)
      throw new Error('LOGSTREAM_TEST_TEMPORAL_UI_URL is not set: run through jest, whose global setup exports it');
    const id = newExecutionId('ui-web');
    await h.client.start({ command: ['sh', '-c', 'echo shown in the Temporal UI'], executionId: id });
    await waitSealed(h.client, id);

    const page = await openPage(browser, { width: 1440, height: 1000 });
    await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(id)}`);
    // The summary, the details and the current details are under the "User Metadata" tab.
    await page.getByText('User Metadata', { exact: true }).first().click();
    // The UI renders the summary as Markdown too (its quotes come out typographic): the element that holds it says
    // exactly what the workflow's summary says, and nothing more.
    const described = await h.temporal.workflow.getHandle(id).describe();
    const expected = await described.staticSummary();
    expect(expected).toBe("run: sh -c 'echo shown in the Temporal UI'");
    const shown = 'text=/^\\s*run: sh -c/';
    const summary = await frameWith(page, shown);
    const texts = await summary.locator(shown).allTextContents();
    expect(texts.length).toBeGreaterThan(0);
    expect(new Set(texts.map((text) => text.replace(/[\u2018\u2019]/g, "'").trim()))).toEqual(new Set([expected]));
    for (const link of [`${h.config.apiUrl}/executions/${id}/logs`, `${h.config.apiUrl}/executions/${id}/view`]) {
      const frame = await frameWith(page, `a[href="${link}"]`);
      expect((await frame.locator(`a[href="${link}"]`).first().textContent())?.replace(/\s+/g, '')).toBe(link);
    }
    const sealed = await frameWith(page, 'text=/the log is complete, last index 1/');
    expect(await sealed.locator('text=/Sealed/').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'temporal-ui-execution.png'), fullPage: true });
    await page.close();
  });
});
