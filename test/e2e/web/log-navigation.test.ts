import type { Page } from 'playwright-core';
import { renderedLines, waitForFeed } from '../../support/browser';
import { browserSuite } from '../../support/browser-suite';
import { runCli } from '../../support/cli-process';
import { runningExternal } from '../../support/external-job';
import { waitSealed } from '../../support/harness';

// A log with a GitHub Actions group, a collapsed and an open Buildkite section, and needles in and out of them.
const LINES = [
  'start',
  '::group::Install deps',
  'npm install',
  'added 42 packages',
  '::endgroup::',
  '--- Build',
  'compiling NEEDLE one',
  'built',
  '+++ Test',
  ...Array.from({ length: 291 }, (_, i) => (i + 10 === 250 ? 'needle two' : `test ${i + 10} ok`)),
];

describe('the web app: search of the whole log, range links, folded groups (real browser, real stack)', () => {
  let id: string;
  const suite = browserSuite(async (h) => {
    id = await runningExternal(h, 'web-nav', LINES);
    await h.client.getHandle(id).complete({ status: 'SUCCEEDED', eventCount: LINES.length });
    await waitSealed(h.client, id);
  });
  const page = (): Page => suite.page;

  const row = (index: number) => page().locator(`.line[data-index="${index}"]`);
  const targets = () =>
    page().$$eval('.line.target', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.index)));

  it('folds groups under their titles: ::group:: and --- collapsed, +++ open, markers never shown, indexes kept', async () => {
    await page().goto(`${suite.h.server.url}/executions/${id}/view`);
    await waitForFeed(page(), 'done', LINES.length);
    const shown = (await renderedLines(page())).filter((line) => line.index <= 12);
    expect(shown).toEqual([
      { index: 1, text: 'start' },
      { index: 2, text: 'Install deps' },
      { index: 6, text: 'Build' },
      { index: 9, text: 'Test' },
      { index: 10, text: 'test 10 ok' },
      { index: 11, text: 'test 11 ok' },
      { index: 12, text: 'test 12 ok' },
    ]);
    expect(await row(2).locator('.group-toggle').getAttribute('aria-expanded')).toBe('false');
    expect(await row(9).locator('.group-toggle').getAttribute('aria-expanded')).toBe('true');

    await row(2).locator('.group-toggle').click();
    await row(4).waitFor();
    expect((await renderedLines(page())).filter((line) => line.index <= 6).map((line) => line.index)).toEqual([
      1, 2, 3, 4, 6,
    ]);
    expect(await row(3).locator('.msg').textContent()).toBe('npm install');
    await row(2).locator('.group-toggle').click();
    await row(3).waitFor({ state: 'detached' });

    // The CLI prints the lines as they are, markers included.
    const cli = await runCli(suite.h.server.url, 'logs', id);
    expect(cli.stdout).toBe(`${LINES.join('\n')}\n`);
  });

  it('the filter searches the whole log on the server: a match in a folded group is listed, opened and linked', async () => {
    await page().goto(`${suite.h.server.url}/executions/${id}/view`);
    await waitForFeed(page(), 'done', LINES.length);
    await page().getByLabel('Filter').fill('needle');
    const list = page().getByRole('region', { name: 'Matches in the whole log' });
    await list.getByText('2 matches in the whole log').waitFor();
    expect(
      await list.locator('li').evaluateAll((items) => items.map((item) => Number((item as HTMLElement).dataset.index))),
    ).toEqual([7, 250]);
    expect((await renderedLines(page())).map((line) => line.index)).toEqual([7, 250]);

    await list.locator('li[data-index="7"] a').click();
    await page().waitForFunction(() => document.querySelector('.line.target')?.getAttribute('data-index') === '7');
    expect(new URL(page().url()).hash).toBe('#L7');
    // Without the filter the group that held the match stays open.
    await page().getByLabel('Filter').press('Escape');
    await row(8).waitFor();
    expect(await row(6).locator('.group-toggle').getAttribute('aria-expanded')).toBe('true');

    // A pattern the server refuses says why.
    await page().getByLabel('Regex').check();
    await page().getByLabel('Filter').fill('(a)\\1');
    await list.getByText(/Search refused: .*backreferences/).waitFor();
  });

  it('#L200-L210 marks and shows the range; a click then a shift-click on line numbers selects a range link', async () => {
    await page().goto(`${suite.h.server.url}/executions/${id}/view#L200-L210`);
    await waitForFeed(page(), 'done', LINES.length);
    await page().waitForFunction(() => document.querySelectorAll('.line.target').length === 11);
    expect(await targets()).toEqual(Array.from({ length: 11 }, (_, i) => 200 + i));
    expect(await row(200).isVisible()).toBe(true);
    expect(await row(1).count()).toBe(0);

    await row(203).locator('.ln').click();
    await page().waitForFunction(() => location.hash === '#L203');
    await row(206)
      .locator('.ln')
      .click({ modifiers: ['Shift'] });
    await page().waitForFunction(() => location.hash === '#L203-L206');
    await page().waitForFunction(() => document.querySelectorAll('.line.target').length === 4);
    expect(await targets()).toEqual([203, 204, 205, 206]);
    // Extending upwards keeps the first line clicked as the anchor.
    await row(201)
      .locator('.ln')
      .click({ modifiers: ['Shift'] });
    await page().waitForFunction(() => location.hash === '#L201-L203');
  });

  it('a link into a folded group opens the group at that line', async () => {
    await page().goto(`${suite.h.server.url}/executions/${id}/view#L3-L4`);
    await waitForFeed(page(), 'done', LINES.length);
    await page().waitForFunction(() => document.querySelectorAll('.line.target').length === 2);
    expect(await targets()).toEqual([3, 4]);
    expect(await row(2).locator('.group-toggle').getAttribute('aria-expanded')).toBe('true');
  });
});
