import type { SearchOptions } from '../../../src/client/client';
import { runCli } from '../../support/cli-process';
import { runningExternal, writeLines } from '../../support/external-job';
import { startHarness, waitFor, waitSealed, type Harness } from '../../support/harness';

/** `GET /executions/{id}/search` on the real local stack: a sealed log, a running one, one never sealed, and the CLI. */
describe('search on the server', () => {
  let h: Harness;
  const cli = (...args: string[]) => runCli(h.server.url, ...args);

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** Every match, through the client's paging on `next_index`. */
  async function matches(id: string, query: string, options: SearchOptions = {}) {
    const found: { index: number; message: string }[] = [];
    const pages = h.client.getHandle(id).search(query, options);
    let next = await pages.next();
    for (; !next.done; next = await pages.next()) found.push({ index: next.value.index, message: next.value.message });
    return { found, last: next.value };
  }

  let sealedId: string;
  // Every 97th line holds the needle, in alternating case.
  const jobLines = Array.from({ length: 3000 }, (_, i) =>
    (i + 1) % 97 === 0 ? `${(i + 1) % 2 ? 'Needle' : 'NEEDLE'} at ${i + 1}` : `hay ${i + 1}`,
  );
  const needles = jobLines.flatMap((message, i) => (message.toLowerCase().startsWith('needle') ? [i + 1] : []));

  it('a sealed log: every match in index order, paged, case ignored unless case=1, RE2 with regex=1', async () => {
    sealedId = await runningExternal(h, 'search', jobLines);
    await h.client.getHandle(sealedId).complete({ status: 'SUCCEEDED', eventCount: jobLines.length });
    await waitSealed(h.client, sealedId);

    const all = await matches(sealedId, 'needle', { limit: 5 });
    expect(all.found.map((m) => m.index)).toEqual(needles);
    expect(all.found.map((m) => m.message)).toEqual(needles.map((i) => jobLines[i - 1]));
    expect(all.last).toMatchObject({ sealed: true, status: 'SUCCEEDED', nextIndex: null, scannedTo: 3000 });

    const first = await h.client.getHandle(sealedId).searchPage('needle', { limit: 5 });
    expect(first.matches.map((m) => m.index)).toEqual(needles.slice(0, 5));
    expect(first).toMatchObject({ nextIndex: needles[4], scannedTo: needles[4], sealed: true });

    const exact = await matches(sealedId, 'NEEDLE', { caseSensitive: true });
    expect(exact.found.map((m) => m.index)).toEqual(needles.filter((i) => i % 2 === 0));
    const regex = await matches(sealedId, '^needle at (97|194)$', { regex: true });
    expect(regex.found.map((m) => m.index)).toEqual([97, 194]);
  });

  it('a bad pattern or parameter is a 400 naming the problem', async () => {
    const get = async (query: string) => {
      const response = await fetch(`${h.server.url}/executions/${sealedId}/search?${query}`);
      return { status: response.status, body: (await response.json()) as { error: { code: string; message: string } } };
    };
    const bad = await get('q=(a%2B&regex=1');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual({ code: 'INVALID_INPUT', message: expect.stringContaining('missing closing )') });
    const backref = await get('q=(a)%5C1&regex=1');
    expect(backref.status).toBe(400);
    expect(backref.body.error.message).toContain('no lookaround or backreferences');
    expect((await get('regex=1')).body.error.message).toContain('q must not be empty');
    expect((await get('q=a&limit=x')).body.error.message).toContain('limit must be a non-negative integer');
  });

  it('a running log: what is stored so far, unsealed; the next search from scanned_to finds what came since', async () => {
    const id = await runningExternal(h, 'search-running', ['boot', 'ERROR one', 'fine']);
    const before = await matches(id, 'error');
    expect(before.found).toEqual([{ index: 2, message: 'ERROR one' }]);
    expect(before.last).toMatchObject({ status: 'RUNNING', sealed: false, scannedTo: 3, nextIndex: null });

    await writeLines(h, `external/${id}`, ['more', 'ERROR two']);
    await waitFor(`${id} stored`, async () =>
      (await h.client.getHandle(id).describe()).lastIndex === 5 ? true : undefined,
    );
    const after = await matches(id, 'error', { sinceIndex: before.last.scannedTo });
    expect(after.found).toEqual([{ index: 5, message: 'ERROR two' }]);
    await h.client.getHandle(id).complete({ status: 'SUCCEEDED' });
    await waitSealed(h.client, id);
  });

  it('a log never sealed (its workflow is gone) is searched in CloudWatch and marked unsealed', async () => {
    const id = await runningExternal(h, 'search-gone', ['alpha', 'ERROR gone', 'omega']);
    await h.temporal.workflow.getHandle(id).terminate('test: gone before the seal');
    await waitFor('the terminated status', async () =>
      (await h.client.getHandle(id).describe()).status === 'STOPPED' ? true : undefined,
    );
    const gone = await matches(id, 'error');
    expect(gone.found).toEqual([{ index: 2, message: 'ERROR gone' }]);
    expect(gone.last).toMatchObject({ sealed: false, sealPending: false, source: 'cloudwatch', nextIndex: null });
  });

  it('logstream logs --grep prints the matches found by the search, unchanged', async () => {
    const result = await cli('logs', sealedId, '--grep', 'needle at 9[0-9]*$', '-i');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      `${needles
        .filter((i) => /^9\d*$/.test(String(i)))
        .map((i) => jobLines[i - 1])
        .join('\n')}\n`,
    );
    // A pattern the search would refuse is a bad value (exit 2), refused before anything is read.
    const refused = await cli('logs', sealedId, '--grep', '(?=x)');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('is not an RE2 regular expression (no lookaround or backreferences)');
  });
});
