import type { Page } from 'playwright-core';
import { waitForFeed } from '../../support/browser';
import { browserSuite } from '../../support/browser-suite';
import { writeLines } from '../../support/external-job';
import { newExecutionId, waitFor, waitSealed } from '../../support/harness';

// A managed job printing 3 lines to each of its pipes; an external job of two log streams, 3 lines each.
const MANAGED_JOB = ['sh', '-c', 'for i in 1 2 3; do echo "out $i"; echo "err $i" >&2; done'];

/** Each rendered row's index, stream badge (its text and colour) and message. */
function rows(page: Page): Promise<{ index: number; stream: string; colour: string; message: string }[]> {
  return page.$$eval('.log-scroll .line', (lines) =>
    lines
      .map((line) => {
        const badge = line.querySelector<HTMLElement>('.stream');
        return {
          index: Number((line as HTMLElement).dataset.index),
          stream: badge?.textContent ?? '',
          colour: badge ? getComputedStyle(badge).color : '',
          message: line.querySelector('.msg')?.textContent ?? '',
        };
      })
      .sort((a, b) => a.index - b.index),
  );
}

/** The colour of each stream's badges, checking that every badge of a stream has the same one. */
function coloursByStream(shown: readonly { stream: string; colour: string }[]): Map<string, string> {
  const colours = new Map<string, string>();
  for (const { stream, colour } of shown) {
    expect(colours.get(stream) ?? colour).toBe(colour);
    colours.set(stream, colour);
  }
  return colours;
}

describe('the web app tells streams apart: badges and a stream filter (real browser, real stack)', () => {
  let managed = '';
  let external = '';
  let streams: string[] = [];
  const suite = browserSuite(async (h) => {
    managed = newExecutionId('web-stderr');
    await h.client.start({ command: MANAGED_JOB, executionId: managed });
    external = newExecutionId('web-streams');
    streams = [`external/${external}/web`, `external/${external}/worker`];
    await h.client.start({ logGroup: h.config.logGroup, logStreams: streams, executionId: external });
    for (const stream of streams)
      await writeLines(
        h,
        stream,
        [1, 2, 3].map((i) => `${stream} line ${i}`),
      );
    await waitFor(`${external} stored`, async () =>
      (await h.client.getHandle(external).describe()).lastIndex === 6 ? true : undefined,
    );
    await h.client.getHandle(external).complete({ status: 'SUCCEEDED' });
    await waitSealed(h.client, managed);
    await waitSealed(h.client, external);
  });

  it('a managed job: every stderr line has a red "stderr" badge, stdout lines a "stdout" one; the filter keeps one', async () => {
    const { h, page } = suite;
    await page.goto(`${h.server.url}/executions/${managed}/view`);
    await waitForFeed(page, 'done', 6);
    const shown = await rows(page);
    expect(shown).toHaveLength(6);
    for (const row of shown) expect(row.stream).toBe(row.message.startsWith('err') ? 'stderr' : 'stdout');
    const colours = coloursByStream(shown);
    expect(colours.get('stderr')).toBe('rgb(255, 161, 152)');
    expect(colours.get('stdout')).not.toBe(colours.get('stderr'));

    await page.getByLabel('Stream', { exact: true }).selectOption('stderr');
    await page.waitForFunction(() => document.querySelectorAll('.log-scroll .line').length === 3);
    expect((await rows(page)).map((row) => [row.stream, row.message])).toEqual([
      ['stderr', 'err 1'],
      ['stderr', 'err 2'],
      ['stderr', 'err 3'],
    ]);
    expect(await page.locator('#filter-count').textContent()).toBe('3 of 6 lines');

    // With a text filter too, the whole-log search asks for that stream only.
    await page.locator('#filter').fill('2');
    await page.waitForFunction(() => document.querySelectorAll('.match-list li').length > 0);
    await page.waitForFunction(() =>
      /in the whole log/.test(document.querySelector('.match-summary')?.textContent ?? ''),
    );
    const matches = await page.$$eval('.match-list li', (items) =>
      items.map((item) => [item.querySelector('.stream')?.textContent, item.querySelector('.msg')?.textContent]),
    );
    expect(matches).toEqual([['stderr', 'err 2']]);
  });

  it('an external execution of two streams: each line badged with its own stream, in a colour stable across loads', async () => {
    const { h, page } = suite;
    await page.goto(`${h.server.url}/executions/${external}/view`);
    await waitForFeed(page, 'done', 6);
    const shown = await rows(page);
    expect(shown).toHaveLength(6);
    for (const row of shown) expect(row.message.startsWith(`${row.stream} line `)).toBe(true);
    expect(new Set(shown.map((row) => row.stream))).toEqual(new Set(streams));
    const colours = coloursByStream(shown);

    await page.reload();
    await waitForFeed(page, 'done', 6);
    expect(coloursByStream(await rows(page))).toEqual(colours);

    const [web] = streams as [string, string];
    await page.getByLabel('Stream', { exact: true }).selectOption(web);
    await page.waitForFunction(() => document.querySelectorAll('.log-scroll .line').length === 3);
    expect((await rows(page)).map((row) => row.message)).toEqual([1, 2, 3].map((i) => `${web} line ${i}`));
    await page.getByLabel('Stream', { exact: true }).selectOption('');
    await page.waitForFunction(() => document.querySelectorAll('.log-scroll .line').length === 6);
  });

  it('a log opened windowed: the Stream menu dims the other streams, lists its lines in the whole log and searches it', async () => {
    const { h, page } = suite;
    await page.goto(`${h.server.url}/executions/${external}/view?window=1`);
    await waitForFeed(page, 'done', 6);
    expect(await page.locator('section.execution').getAttribute('data-windowed')).toBe('true');
    const all = await rows(page);
    expect(all).toHaveLength(6);
    const [web] = streams as [string, string];
    const webLines = all.filter((row) => row.stream === web);

    const menu = page.getByLabel('Stream', { exact: true });
    expect(await menu.isEnabled()).toBe(true);
    await menu.selectOption(web);
    // Every line stays where it is (a window hides none); the other stream's lines are dimmed.
    await page.waitForFunction(() => document.querySelectorAll('.log-scroll .line.other-stream').length === 3);
    const dimmed = await page.$$eval('.log-scroll .line', (lines) =>
      lines.map((line) => [Number((line as HTMLElement).dataset.index), line.classList.contains('other-stream')]),
    );
    expect(dimmed).toHaveLength(6);
    for (const [index, isDimmed] of dimmed) expect(isDimmed).toBe(!webLines.some((row) => row.index === index));

    // With no text in the filter, the list goes through that stream's lines in the whole log, each a link to its line.
    const summary = page.locator('.match-summary');
    await page.waitForFunction(() =>
      /in the whole log/.test(document.querySelector('.match-summary')?.textContent ?? ''),
    );
    expect(await summary.textContent()).toBe('3 lines in the whole log');
    const listed = () =>
      page.$$eval('.match-list li', (items) =>
        items.map((item) => [
          Number((item as HTMLElement).dataset.index),
          item.querySelector('.stream')?.textContent,
          item.querySelector('.msg')?.textContent,
        ]),
      );
    expect(await listed()).toEqual(webLines.map((row) => [row.index, web, row.message]));
    const second = webLines[1] as { index: number };
    await page.locator(`.match-list li[data-index="${second.index}"] a`).click();
    await page.locator(`.log-scroll .line.target[data-index="${second.index}"]`).waitFor();
    expect(new URL(page.url()).hash).toBe(`#L${second.index}`);

    // With text, the whole-log search is of that stream only.
    await page.locator('#filter').fill('line 2');
    await page.waitForFunction(
      () => document.querySelector('.match-summary')?.textContent === '1 match in the whole log',
    );
    expect((await listed()).map(([, stream, message]) => [stream, message])).toEqual([[web, `${web} line 2`]]);

    // All streams again: nothing dimmed, and the search finds the line in both.
    await menu.selectOption('');
    await page.waitForFunction(
      () => document.querySelector('.match-summary')?.textContent === '2 matches in the whole log',
    );
    expect(await page.locator('.log-scroll .line.other-stream').count()).toBe(0);
  });

  it('a windowed log whose first stream is only in its scrollback: the stream joins the menu when its line is read', async () => {
    const { h, page } = suite;
    const id = newExecutionId('web-window-streams');
    const [early, late] = [`external/${id}/early`, `external/${id}/late`];
    await h.client.start({ logGroup: h.config.logGroup, logStreams: [early, late], executionId: id });
    // The early stream's one line is stored before the other's are written: it is line 1, far before the last page.
    await writeLines(h, early, ['early line']);
    await waitFor(`${id} line 1 stored`, async () =>
      (await h.client.getHandle(id).describe()).lastIndex === 1 ? true : undefined,
    );
    await writeLines(
      h,
      late,
      Array.from({ length: 1500 }, (_, i) => `late line ${i + 1}`),
    );
    await waitFor(`${id} stored`, async () =>
      (await h.client.getHandle(id).describe()).lastIndex === 1501 ? true : undefined,
    );
    await h.client.getHandle(id).complete({ status: 'SUCCEEDED' });
    await waitSealed(h.client, id);

    await page.goto(`${h.server.url}/executions/${id}/view?window=1`);
    await waitForFeed(page, 'done', 1501);
    const menu = page.getByLabel('Stream', { exact: true });
    const options = () => menu.locator('option').evaluateAll((all) => all.map((o) => (o as HTMLOptionElement).value));
    expect(await options()).toEqual(['', late]);

    await page.getByRole('button', { name: 'Jump to top' }).click();
    await page.locator('.line[data-index="1"] .msg').getByText('early line').waitFor();
    expect(await options()).toEqual(['', late, early]);
    await menu.selectOption(early);
    await page.waitForFunction(
      () => document.querySelector('.match-summary')?.textContent === '1 line in the whole log',
    );
    expect(await page.locator('.line[data-index="1"]').getAttribute('class')).not.toContain('other-stream');
    expect(await page.locator('.line[data-index="2"]').getAttribute('class')).toContain('other-stream');
  });
});
