import { followAll } from '../../support/follow-all';
import type { IndexedEvent } from '../../../src/domain';
import { LogNotSealedError, LogstreamClient, type LogPage, type SealWaitOptions } from '../../../src/client/client';

// The client against a scripted API (global fetch replaced): what it does with a log that is not
// sealed. No server: each request is answered by the handler of its path. (The CLI on top of it is
// run as a process in test/integration/completeness.test.ts.)
type Handler = (url: URL) => unknown;

const realFetch = globalThis.fetch;
let requests: string[] = [];

function serve(handlers: Record<string, Handler>): void {
  requests = [];
  globalThis.fetch = (async (input: string | URL | Request) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    requests.push(url.pathname + url.search);
    const handler = handlers[url.pathname];
    if (!handler) return new Response(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no' } }), { status: 404 });
    return new Response(JSON.stringify(handler(url)), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
}

afterEach(() => {
  globalThis.fetch = realFetch;
});

const ID = 'exec-1';
const status = (overrides: Record<string, unknown>) => ({
  execution_id: ID,
  status: 'SUCCEEDED',
  started_at: null,
  completed_at: null,
  last_index: 2,
  sealed: false,
  seal_pending: false,
  exit_code: null,
  ...overrides,
});
const page = (overrides: Record<string, unknown>) => ({
  execution_id: ID,
  status: 'STOPPED',
  sealed: false,
  seal_pending: false,
  events: [
    { index: 1, timestamp: 1, message: 'one' },
    { index: 2, timestamp: 2, message: 'two' },
  ],
  last_index: 2,
  next_index: null,
  websocket_url: '',
  source: 'cloudwatch',
  ...overrides,
});

const client = new LogstreamClient({ url: 'http://api.invalid' });

/** Everything `allLogs` yields, and the last page it resolves with. */
async function readAll(options: SealWaitOptions = {}): Promise<{ events: string[]; last: LogPage }> {
  const events: string[] = [];
  const pages = client.getHandle(ID).allLogs({ sinceIndex: 0, ...options });
  let next = await pages.next();
  for (; !next.done; next = await pages.next()) events.push((next.value as IndexedEvent).message);
  return { events, last: next.value };
}

describe('a log whose workflow is gone without a seal', () => {
  beforeEach(() =>
    serve({
      [`/executions/${ID}`]: () => status({ status: 'STOPPED' }),
      [`/executions/${ID}/logs`]: () => page({}),
    }),
  );

  test('follow rejects with LogNotSealedError at once, after passing on what was read', async () => {
    const seen: number[] = [];
    const error = await followAll(client.getHandle(ID), (event) => seen.push(event.index)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogNotSealedError);
    expect(error).toMatchObject({ code: 'LOG_NOT_SEALED', sealPending: false, lastIndex: 2 });
    expect(seen).toEqual([1, 2]);
  });

  test('allLogs reads it without waiting and flags it unsealed', async () => {
    const { events, last } = await readAll();
    expect(events).toEqual(['one', 'two']);
    expect(last).toMatchObject({ sealed: false, sealPending: false, source: 'cloudwatch' });
    // No seal can come: nothing is waited for.
    expect(requests.filter((r) => !r.includes('/logs'))).toEqual([]);
  });
});

describe('a completed log whose final drain still runs', () => {
  test('is waited for: the sealed log is what gets read', async () => {
    let statusCalls = 0;
    serve({
      // Sealed on the third look.
      [`/executions/${ID}`]: () => status({ sealed: ++statusCalls >= 3, seal_pending: statusCalls < 3 }),
      [`/executions/${ID}/logs`]: () =>
        statusCalls >= 3
          ? page({ status: 'SUCCEEDED', sealed: true, source: 'dynamodb' })
          : page({ status: 'SUCCEEDED', seal_pending: true, events: [{ index: 1, timestamp: 1, message: 'partial' }] }),
    });
    const { events, last } = await readAll();
    expect(events).toEqual(['one', 'two']);
    expect(last).toMatchObject({ sealed: true, source: 'dynamodb' });
    expect(statusCalls).toBe(3);
  });

  test('with no time to wait, follow says the seal is still to come', async () => {
    serve({
      [`/executions/${ID}`]: () => status({ seal_pending: true }),
      [`/executions/${ID}/logs`]: () => page({ status: 'SUCCEEDED', seal_pending: true }),
    });
    const error = await followAll(client.getHandle(ID), () => undefined, { sealWaitMs: 0 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'LOG_NOT_SEALED', sealPending: true });
    expect((error as Error).message).toMatch(/not sealed yet \(its final drain still runs\)/);
  });
});

describe('a running execution read with allLogs', () => {
  test('gives what is stored, flagged unsealed, without waiting for the end of the run', async () => {
    serve({
      [`/executions/${ID}`]: () => status({ status: 'RUNNING', seal_pending: true }),
      [`/executions/${ID}/logs`]: () => page({ status: 'RUNNING', seal_pending: true, source: 'dynamodb' }),
    });
    const { events, last } = await readAll();
    expect(events).toEqual(['one', 'two']);
    expect(last).toMatchObject({ status: 'RUNNING', sealed: false });
    expect(requests.filter((r) => !r.includes('/logs'))).toEqual([]);
  });
});
