import { downloadRoutes } from '../../../src/api/download-routes';
import type { LogQuery } from '../../../src/api/log-query';
import { newExecutionId, startHarness, waitFor, waitSealed, type Harness } from '../../support/harness';

// Blank lines, spaces, unicode and a line longer than a page of the UI: a download is the log as the job wrote it.
const SCRIPT =
  'echo first; echo; echo "   "; echo "héllo ✓"; i=1; while [ $i -le 25000 ]; do echo "n $i"; i=$((i+1)); done; echo last';
const EXPECTED = ['first', '', '   ', 'héllo ✓', ...Array.from({ length: 25_000 }, (_, i) => `n ${i + 1}`), 'last'];

describe('log downloads: GET /executions/{id}/logs.txt and .jsonl, streamed (real stack)', () => {
  let h: Harness;
  let sealedId: string;

  beforeAll(async () => {
    h = await startHarness();
    sealedId = newExecutionId('dl-sealed');
    await h.client.start({ command: ['sh', '-c', SCRIPT], executionId: sealedId });
    await waitSealed(h.client, sealedId);
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('.txt is the whole sealed log, line for line, streamed in pages (no Content-Length)', async () => {
    const response = await fetch(`${h.server.url}/executions/${sealedId}/logs.txt`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${sealedId}.log"`);
    expect(response.headers.get('x-logstream-sealed')).toBe('true');
    expect(response.headers.get('x-logstream-status')).toBe('SUCCEEDED');
    expect(response.headers.get('x-logstream-last-index')).toBe(String(EXPECTED.length));
    expect(response.headers.get('content-length')).toBeNull();
    expect(await response.text()).toBe(`${EXPECTED.join('\n')}\n`);
  });

  it('.jsonl has one event per line with its index and timestamp', async () => {
    const response = await fetch(`${h.server.url}/executions/${sealedId}/logs.jsonl`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const events = (await response.text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { index: number; timestamp: number; message: string });
    expect(events.map((e) => e.message)).toEqual(EXPECTED);
    expect(events.map((e) => e.index)).toEqual(EXPECTED.map((_, i) => i + 1));
    expect(events.every((e) => Number.isInteger(e.timestamp) && e.timestamp > 0)).toBe(true);
  });

  it('a running log downloads as what exists so far, marked unsealed and named .partial', async () => {
    const id = newExecutionId('dl-running');
    await h.client.start({ command: ['sh', '-c', 'echo one; echo two; while :; do sleep 1; done'], executionId: id });
    try {
      await waitFor('two lines stored', async () =>
        (await h.client.getHandle(id).describe()).lastIndex >= 2 ? true : undefined,
      );
      const response = await fetch(`${h.server.url}/executions/${id}/logs.txt`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-logstream-sealed')).toBe('false');
      expect(response.headers.get('x-logstream-status')).toBe('RUNNING');
      expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${id}.partial.log"`);
      expect(await response.text()).toBe('one\ntwo\n');
    } finally {
      await h.client.getHandle(id).stop();
    }
  });

  it('an unknown execution or query parameter is a JSON error, not an empty file', async () => {
    const missing = await fetch(`${h.server.url}/executions/no-such-execution/logs.txt`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'EXECUTION_NOT_FOUND' } });
    const bad = await fetch(`${h.server.url}/executions/${sealedId}/logs.jsonl?since_index=3`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'INVALID_INPUT' } });
  });

  it('reads one page ahead of the client only: a client that stops reading stops the reads', async () => {
    // In-process with a counting query: 1,000 pages exist; the client takes two chunks and hangs up.
    const pages: number[] = [];
    const query = {
      resolve: async (executionId: string) => ({ executionId, status: 'SUCCEEDED' }),
      page: async (_execution: unknown, since: number, limit: number) => {
        pages.push(since);
        const events = Array.from({ length: limit }, (_, i) => ({ index: since + i + 1, timestamp: 1, message: 'x' }));
        const last = since + limit;
        return {
          status: 'SUCCEEDED',
          sealed: true,
          lastIndex: 1000 * limit,
          events,
          nextIndex: last < 1000 * limit ? last : null,
        };
      },
    } as unknown as LogQuery;
    const response = await downloadRoutes({ query }).request('/executions/big/logs.txt');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    expect(pages.length).toBeLessThanOrEqual(3);
  });

  it('a retryable failure mid-stream is retried; a page without progress aborts the transfer instead of ending it', async () => {
    const pagedQuery = (failures: Map<number, () => unknown>, total: number): LogQuery =>
      ({
        resolve: async (executionId: string) => ({ executionId, status: 'SUCCEEDED' }),
        page: async (_execution: unknown, since: number) => {
          const fail = failures.get(since);
          if (fail) {
            failures.delete(since);
            const failure = fail();
            if (failure) throw failure;
            return { status: 'SUCCEEDED', sealed: true, lastIndex: total, events: [], nextIndex: since };
          }
          const events = Array.from({ length: Math.min(2, total - since) }, (_, i) => ({
            index: since + i + 1,
            timestamp: 1,
            message: `m${since + i + 1}`,
          }));
          const last = since + events.length;
          return { status: 'SUCCEEDED', sealed: true, lastIndex: total, events, nextIndex: last < total ? last : null };
        },
      }) as unknown as LogQuery;
    const throttled = Object.assign(new Error('throttled'), { code: 'CLOUDWATCH_UNAVAILABLE', retryable: true });
    const retried = await downloadRoutes({ query: pagedQuery(new Map([[2, () => throttled]]), 6) }).request(
      '/executions/x/logs.txt',
    );
    expect(await retried.text()).toBe('m1\nm2\nm3\nm4\nm5\nm6\n');

    const stalled = await downloadRoutes({ query: pagedQuery(new Map([[4, () => undefined]]), 6) }).request(
      '/executions/x/logs.txt',
    );
    await expect(stalled.text()).rejects.toThrow(/no progress reading the log after index 4/);
    const refused = Object.assign(new Error('bad'), { code: 'INVALID_INPUT', retryable: false });
    const failed = await downloadRoutes({ query: pagedQuery(new Map([[2, () => refused]]), 6) }).request(
      '/executions/x/logs.txt',
    );
    await expect(failed.text()).rejects.toThrow('bad');
  });
});
