import { LogstreamClient, type FollowItem } from '../../../src/client/client';

// The execution handle of the HTTP client against a scripted API (global fetch replaced, no server): camelCase
// results, option objects, one error class per failure, and follow() resuming after a failed request. The real API,
// a 50,000-line log and a killed API process are in test/integration/http-client-follow.test.ts.
type Answer = { status: number; body: unknown } | 'unreachable';

const realFetch = globalThis.fetch;
let requests: { method: string; path: string; body: unknown }[] = [];

function serve(answer: (path: string, url: URL) => Answer): void {
  requests = [];
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    requests.push({ method: init?.method ?? 'GET', path: url.pathname + url.search, body });
    const result = answer(url.pathname, url);
    if (result === 'unreachable') throw new TypeError('fetch failed');
    return new Response(JSON.stringify(result.body), {
      status: result.status,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof fetch;
}

afterEach(() => {
  globalThis.fetch = realFetch;
});

const ID = 'exec-1';
const client = new LogstreamClient({ url: 'http://api.invalid/' });
const ok = (body: unknown): Answer => ({ status: 200, body });
const failure = (status: number, code: string): Answer => ({ status, body: { error: { code, message: code } } });

const statusBody = {
  execution_id: ID,
  status: 'FAILED',
  started_at: '2026-01-01T00:00:00.000Z',
  completed_at: '2026-01-01T00:01:00.000Z',
  last_index: 3,
  sealed: true,
  seal_pending: false,
  exit_code: 3,
  ingest: 'push',
};

/** A sealed log of `total` events served in pages of `pageSize`. */
function sealedLogPage(url: URL, total: number, pageSize: number) {
  const since = Number(url.searchParams.get('since_index'));
  const last = Math.min(total, since + pageSize);
  const events = [];
  for (let index = since + 1; index <= last; index++)
    events.push({ index, timestamp: index, message: `line ${index}` });
  return {
    execution_id: ID,
    status: 'FAILED',
    sealed: true,
    seal_pending: false,
    events,
    last_index: total,
    next_index: last < total ? last : null,
    websocket_url: '',
    source: 'dynamodb',
  };
}

describe('the HTTP client’s execution handle', () => {
  it('describes an execution in camelCase with dates', async () => {
    serve(() => ok(statusBody));
    const description = await client.getHandle(ID).describe();
    expect(description).toEqual({
      executionId: ID,
      status: 'FAILED',
      startedAt: new Date('2026-01-01T00:00:00.000Z'),
      completedAt: new Date('2026-01-01T00:01:00.000Z'),
      lastIndex: 3,
      sealed: true,
      sealPending: false,
      exitCode: 3,
      rejectedEvents: null,
      recoveredEvents: null,
      duplicateEvents: null,
      ingest: 'push',
    });
    expect(requests.map((r) => r.path)).toEqual([`/executions/${ID}`]);
  });

  it('reads a page with option objects and answers in camelCase', async () => {
    serve((_path, url) => ok(sealedLogPage(url, 10, 4)));
    const page = await client.getHandle(ID).logs({ sinceIndex: 2, limit: 4 });
    expect(requests[0]?.path).toBe(`/executions/${ID}/logs?since_index=2&limit=4`);
    expect(page).toMatchObject({ executionId: ID, sealed: true, lastIndex: 10, nextIndex: 6, websocketUrl: null });
    expect(page.events.map((e) => e.index)).toEqual([3, 4, 5, 6]);
  });

  it('starts, completes and stops through option objects', async () => {
    serve((path) =>
      path === '/executions'
        ? { status: 201, body: { execution_id: 'ext-1', status: 'RUNNING', logs_url: '/executions/ext-1/logs' } }
        : ok({}),
    );
    const handle = await client.start({ logGroup: '/g', logStream: 's', executionId: 'ext-1' });
    expect(handle.executionId).toBe('ext-1');
    await handle.complete({ status: 'FAILED', completedAt: new Date(5000), exitCode: 2 });
    await handle.stop();
    await client.start({ logGroup: '/g', logStreams: ['a', 'b'] });
    await client.start({ command: ['true'], executionId: 'ext-1' });
    expect(requests.map((r) => [r.method, r.path, r.body])).toEqual([
      ['POST', '/executions', { log_group: '/g', log_stream: 's', execution_id: 'ext-1' }],
      ['POST', '/executions/ext-1/complete', { status: 'FAILED', completed_at: 5000, exit_code: 2 }],
      ['POST', '/executions/ext-1/stop', {}],
      ['POST', '/executions', { log_group: '/g', log_streams: ['a', 'b'] }],
      ['POST', '/executions', { command: ['true'], execution_id: 'ext-1' }],
    ]);
  });

  it('lists executions as an async iterable of camelCase entries with dates', async () => {
    serve(() =>
      ok({
        executions: [
          { execution_id: 'b', status: 'RUNNING', started_at: '2026-01-01T00:00:00.000Z', completed_at: null },
          { execution_id: 'a', status: 'FAILED', started_at: null, completed_at: null },
        ],
      }),
    );
    const listed = [];
    for await (const entry of client.list({ status: 'RUNNING', limit: 2 })) listed.push(entry);
    expect(listed).toEqual([
      { executionId: 'b', status: 'RUNNING', startedAt: new Date('2026-01-01T00:00:00.000Z'), completedAt: null },
      { executionId: 'a', status: 'FAILED', startedAt: null, completedAt: null },
    ]);
    expect(requests.map((r) => r.path)).toEqual(['/executions?status=RUNNING&limit=2']);
  });

  /** `GET /executions` over `ids` (newest first), `limit` a page, the token an offset (as opaque as the API's). */
  function servePages(ids: readonly string[]): void {
    serve((path, url) => {
      const offset = Number(url.searchParams.get('page_token') ?? '0');
      const end = offset + Number(url.searchParams.get('limit'));
      return ok({
        executions: ids
          .slice(offset, end)
          .map((id) => ({ execution_id: id, status: 'RUNNING', started_at: null, completed_at: null })),
        next_page_token: end < ids.length ? String(end) : null,
      });
    });
  }

  it('lists every page lazily: the next page is asked for only when the iteration reaches it', async () => {
    servePages(['e5', 'e4', 'e3', 'e2', 'e1']);
    const iterator = client.list({ status: 'RUNNING', pageSize: 2 })[Symbol.asyncIterator]();
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push(((await iterator.next()).value as { executionId: string }).executionId);
    expect(requests).toHaveLength(1);
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      ids.push(next.value.executionId);
    }
    expect(ids).toEqual(['e5', 'e4', 'e3', 'e2', 'e1']);
    expect(requests.map((r) => r.path)).toEqual([
      '/executions?status=RUNNING&limit=2',
      '/executions?status=RUNNING&limit=2&page_token=2',
      '/executions?status=RUNNING&limit=2&page_token=4',
    ]);
  });

  it('stops at limit entries in all, asking no page for more than it still needs', async () => {
    servePages(['e5', 'e4', 'e3', 'e2', 'e1']);
    const ids: string[] = [];
    for await (const entry of client.list({ pageSize: 2, limit: 3 })) ids.push(entry.executionId);
    expect(ids).toEqual(['e5', 'e4', 'e3']);
    expect(requests.map((r) => r.path)).toEqual(['/executions?limit=2', '/executions?limit=1&page_token=2']);
  });

  it.each([
    [{ pageSize: 0 }, /pageSize must be a whole number from 1 to 1000/],
    [{ pageSize: 1001 }, /pageSize must be a whole number from 1 to 1000/],
    [{ pageSize: 2.5 }, /pageSize/],
    [{ limit: 0 }, /limit must be a whole number of at least 1/],
    [{ limit: -1 }, /limit/],
  ])('refuses list(%p) with an InvalidRequestError before any request', async (options, message) => {
    servePages(['e1']);
    const iterator = client.list(options)[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toMatchObject({
      name: 'InvalidRequestError',
      message: expect.stringMatching(message),
    });
    expect(requests).toEqual([]);
  });

  it("yields an execution once when visibility's order moves it to a later page", async () => {
    // e4 completed between the two requests: closed executions come after running ones, so it shows again.
    const pages: Record<string, unknown> = {
      '': { executions: [{ execution_id: 'e5' }, { execution_id: 'e4' }], next_page_token: 'p2' },
      p2: { executions: [{ execution_id: 'e3' }, { execution_id: 'e4' }], next_page_token: null },
    };
    serve((_path, url) => ok(pages[url.searchParams.get('page_token') ?? '']));
    const ids: string[] = [];
    for await (const entry of client.list()) ids.push(entry.executionId);
    expect(ids).toEqual(['e5', 'e4', 'e3']);
  });

  it.each([
    [failure(400, 'INVALID_INPUT'), 'InvalidRequestError', 'INVALID_INPUT'],
    [failure(401, 'UNAUTHORIZED'), 'AuthenticationError', 'UNAUTHORIZED'],
    [failure(404, 'EXECUTION_NOT_FOUND'), 'ExecutionNotFoundError', 'EXECUTION_NOT_FOUND'],
    [failure(409, 'EXECUTION_COMPLETED'), 'ExecutionConflictError', 'EXECUTION_COMPLETED'],
    [failure(503, 'TEMPORAL_UNAVAILABLE'), 'ServiceUnavailableError', 'TEMPORAL_UNAVAILABLE'],
    ['unreachable' as const, 'ApiUnreachableError', 'UNREACHABLE'],
  ])('one error class per failure: %j', async (answer, name, code) => {
    serve(() => answer);
    await expect(client.getHandle(ID).describe()).rejects.toMatchObject({ name, code });
  });

  it('follows a sealed log to its end, resuming after failed requests with no gap and no duplicate', async () => {
    let calls = 0;
    serve((path, url) => {
      if (path.endsWith('/logs')) {
        calls += 1;
        // Every third page request fails: the API restarting, then unreachable.
        if (calls % 3 === 2) return failure(503, 'DYNAMODB_UNAVAILABLE');
        if (calls % 3 === 0) return 'unreachable';
        return ok(sealedLogPage(url, 25, 4));
      }
      return ok({ ...statusBody, last_index: 25 });
    });
    const items: FollowItem[] = [];
    for await (const item of client.getHandle(ID).follow({ sinceIndex: 3 })) items.push(item);
    const indexes = items.flatMap((item) => (item.kind === 'event' ? [item.index] : []));
    expect(indexes).toEqual(Array.from({ length: 22 }, (_, i) => i + 4));
    expect(items[items.length - 1]).toEqual({ kind: 'status', status: 'FAILED', lastIndex: 25 });
  });

  it('does not retry a refusal: an unknown execution ends the follow with its error', async () => {
    serve(() => failure(404, 'EXECUTION_NOT_FOUND'));
    const follow = client.getHandle(ID).follow();
    await expect(follow.next()).rejects.toMatchObject({ name: 'ExecutionNotFoundError' });
    expect(requests).toHaveLength(1);
  });
});
