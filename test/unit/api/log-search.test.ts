import pino from 'pino';
import { createApi } from '../../../src/api/app';
import { createMetrics } from '../../../src/api/metrics';
import type { ExecutionInfo, LogLocation } from '../../../src/domain';
import { LogPump } from '../../../src/ports';
import { fixedDirectory } from '../../support/fake-directory';
import { InMemoryLogSource, InMemoryLogStore } from '../../support/fakes';

// `/search` reads the log the way `/logs` does (stored chunks when sealed or running, CloudWatch otherwise), pages
// like it, refuses bad input with a 400 that names the problem, and runs regular expressions on a linear-time engine.

const GROUP = '/g';
const T0 = 1_700_000_000_000;

interface SearchBody {
  status: string;
  sealed: boolean;
  source: string;
  matches: { index: number; timestamp: number; message: string }[];
  next_index: number | null;
  scanned_to: number;
  error?: { code: string; message: string };
}

/** A world with one sealed execution, one running and one unsealed whose workflow is gone, each holding `lines`. */
async function world(lines: readonly string[]) {
  const store = new InMemoryLogStore();
  const source = new InMemoryLogSource({ pageSize: 500 });
  const infos: ExecutionInfo[] = [];
  for (const [id, status] of [
    ['sealed-1', 'SUCCEEDED'],
    ['running-1', 'RUNNING'],
    ['gone-1', 'STOPPED'],
  ] as const) {
    const location: LogLocation = { logGroup: GROUP, logStreams: [id] };
    source.append(GROUP, id, [...lines]);
    infos.push({ executionId: id, status, startedAt: T0, open: status === 'RUNNING', location });
    if (id === 'gone-1') continue;
    await store.registerExecution({ executionId: id, location, startedAt: T0, ingest: 'poll' });
    const pump = new LogPump(store, source, { executionId: id, location });
    while (!(await pump.pump()).exhausted);
    if (status === 'SUCCEEDED') {
      await store.sealLog(
        id,
        { status, completedAt: T0 + 1000, lastIndex: lines.length, sealedAt: T0 + 2000 },
        Math.floor(Date.now() / 1000) + 86_400,
      );
    }
  }
  const app = createApi({
    directory: fixedDirectory(infos),
    store,
    source,
    metrics: createMetrics(),
    logger: pino({ level: 'silent' }),
    logGroup: GROUP,
    apiKeys: [],
    websocketUrl: () => 'ws://test/ws',
  });
  const search = async (path: string): Promise<{ status: number; body: SearchBody }> => {
    const response = await app.request(path);
    return { status: response.status, body: (await response.json()) as SearchBody };
  };
  return { search };
}

/** Every match of `query`, paging on `next_index` until it is null. */
async function allMatches(search: Awaited<ReturnType<typeof world>>['search'], id: string, query: string) {
  const found: number[] = [];
  const pages: SearchBody[] = [];
  for (let since: number | null = 0; since !== null;) {
    const { status, body } = await search(`/executions/${id}/search?${query}&since_index=${since}`);
    expect(status).toBe(200);
    pages.push(body);
    found.push(...body.matches.map((m) => m.index));
    expect(body.next_index === null || body.next_index > since).toBe(true);
    since = body.next_index;
  }
  return { found, pages };
}

const lines = Array.from({ length: 2500 }, (_, i) => (i % 100 === 41 ? `step ${i + 1} NEEDLE found` : `line ${i + 1}`));
const needles = lines.flatMap((line, i) => (line.includes('NEEDLE') ? [i + 1] : []));

describe('GET /executions/{id}/search', () => {
  test.each(['sealed-1', 'running-1', 'gone-1'])('pages through every match of %s in index order', async (id) => {
    const { search } = await world(lines);
    const { found, pages } = await allMatches(search, id, 'q=needle&limit=7');
    expect(found).toEqual(needles);
    expect(pages.length).toBe(Math.ceil(needles.length / 7));
    const last = pages[pages.length - 1];
    expect(last?.scanned_to).toBe(lines.length);
    expect(last?.sealed).toBe(id === 'sealed-1');
    expect(last?.source).toBe(id === 'gone-1' ? 'cloudwatch' : 'dynamodb');
  });

  test('a match carries its index, timestamp, stream and message', async () => {
    const { search } = await world(lines);
    const { body } = await search('/executions/sealed-1/search?q=step%2042%20NEEDLE&case=1');
    expect(body.matches).toEqual([
      { index: 42, timestamp: expect.any(Number), stream: 'sealed-1', message: 'step 42 NEEDLE found' },
    ]);
    // stream= keeps that stream's matches only.
    expect((await search('/executions/sealed-1/search?q=NEEDLE&stream=sealed-1')).body.matches).toHaveLength(
      (await search('/executions/sealed-1/search?q=NEEDLE')).body.matches.length,
    );
    expect((await search('/executions/sealed-1/search?q=NEEDLE&stream=other')).body.matches).toEqual([]);
    expect(body.next_index).toBeNull();
  });

  test('case=1 is case-sensitive, and regex=1 takes an RE2 expression', async () => {
    const { search } = await world(lines);
    expect((await search('/executions/sealed-1/search?q=needle&case=1')).body.matches).toEqual([]);
    const regex = await search('/executions/sealed-1/search?q=%5Estep%20(1%7C2)42%20&regex=1');
    expect(regex.body.matches.map((m) => m.index)).toEqual([142, 242]);
    // A plain query is text, not a pattern.
    expect((await search('/executions/sealed-1/search?q=%5Estep')).body.matches).toEqual([]);
  });

  test('a pattern that backtracks catastrophically elsewhere answers at once (RE2 is linear)', async () => {
    const { search } = await world(['a'.repeat(5000) + 'c', ...lines]);
    const { status, body } = await search('/executions/sealed-1/search?q=(a%2B)%2Bb&regex=1');
    expect(status).toBe(200);
    expect(body.matches).toEqual([]);
  });

  test('a scan stops at its budget with next_index = scanned_to, so the next request goes on from there', async () => {
    const many = Array.from({ length: 120_500 }, (_, i) => `line ${i + 1}`);
    const { search } = await world(many);
    const first = await search('/executions/sealed-1/search?q=nothing-here');
    expect(first.body.matches).toEqual([]);
    expect(first.body.next_index).toBe(100_000);
    expect(first.body.scanned_to).toBe(100_000);
    const second = await search('/executions/sealed-1/search?q=nothing-here&since_index=100000');
    expect(second.body).toMatchObject({ next_index: null, scanned_to: 120_500, sealed: true });
  });

  test.each([
    ['', 'q', 'q must not be empty'],
    ['q=', 'q', 'q must not be empty'],
    [`q=${'x'.repeat(1001)}`, 'q', 'at most 1000'],
    ['q=(a&regex=1', 'q', 'missing closing )'],
    ['q=(%3F%3Dx)&regex=1', 'q', 'lookaround'],
    ['q=a&regex=yes', 'regex', 'regex must be 0 or 1'],
    ['q=a&case=2', 'case', 'case must be 0 or 1'],
    ['q=a&limit=0', 'limit', 'at least 1'],
    ['q=a&limit=10001', 'limit', 'at most 10000'],
    ['q=a&since_index=-1', 'since_index', 'non-negative integer'],
    ['q=a&stream=a%3Ab', 'stream', 'stream must be 1-512 characters'],
    ['q=a&stream=', 'stream', 'stream must be 1-512 characters'],
    ['q=a&stream=a&stream=b', 'stream', 'more than once'],
    ['q=a&q=b', 'q', 'more than once'],
  ])('?%s is refused with a 400 naming %s', async (query, _field, message) => {
    const { search } = await world(lines);
    const { status, body } = await search(`/executions/sealed-1/search?${query}`);
    expect(status).toBe(400);
    expect(body.error?.code).toBe('INVALID_INPUT');
    expect(body.error?.message).toContain(message);
  });

  test('an unknown execution is a 404', async () => {
    const { search } = await world(lines);
    const { status, body } = await search('/executions/nobody/search?q=a');
    expect(status).toBe(404);
    expect(body.error?.code).toBe('EXECUTION_NOT_FOUND');
  });
});
