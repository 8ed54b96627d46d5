import pino from 'pino';
import { createApi } from '../../../src/api/app';
import { LogQuery, type ResolvedExecution } from '../../../src/api/log-query';
import { createMetrics } from '../../../src/api/metrics';
import type { LogLocation } from '../../../src/domain';
import { fixedDirectory } from '../../support/fake-directory';
import { awsError, InMemoryLogSource, InMemoryLogStore } from '../../support/fakes';

// `/logs` of an unsealed log whose workflow is gone is a direct CloudWatch read (nothing stored).
// CloudWatch's reads share an account-wide quota and may return empty pages before the end: such a
// read must still page through the whole log, never report the end early, and answer throttling
// with a short page or a 503 carrying Retry-After, never a crash or a silent gap.

const GROUP = '/g';
const ID = 'gone-1';
const T0 = 1_700_000_000_000;
const location: LogLocation = { logGroup: GROUP, logStreams: ['s'] };
const lines = (count: number): string[] => Array.from({ length: count }, (_, i) => `line ${i + 1}`);

/** A workflow past retention, never sealed: judged unsealed, served from CloudWatch. */
const gone: ResolvedExecution = {
  executionId: ID,
  status: 'STOPPED',
  startedAt: T0,
  completedAt: undefined,
  record: undefined,
  open: false,
  location,
};

function api(source: InMemoryLogSource) {
  return createApi({
    directory: fixedDirectory([{ executionId: ID, status: 'STOPPED', startedAt: T0, open: false, location }]),
    store: new InMemoryLogStore(),
    source,
    metrics: createMetrics(),
    logger: pino({ level: 'silent' }),
    logGroup: GROUP,
    apiKeys: [],
    websocketUrl: () => '',
  });
}

interface LogsBody {
  sealed: boolean;
  source: string;
  events: { index: number; message: string }[];
  last_index: number;
  next_index: number | null;
  error?: { code: string };
}

describe('/logs read directly from CloudWatch', () => {
  test.each([2, 3, 5])(
    'with one page in every %i empty before the end, pages are full and only the last has next_index null',
    async (every) => {
      const source = new InMemoryLogSource({ pageSize: 3, emptyPageEvery: every });
      source.append(GROUP, 's', lines(23));
      const app = api(source);
      const seen: string[] = [];
      let since = 0;
      for (let request = 0; request < 50; request++) {
        const response = await app.request(`/executions/${ID}/logs?since_index=${since}&limit=5`);
        expect(response.status).toBe(200);
        const body = (await response.json()) as LogsBody;
        expect(body).toMatchObject({ source: 'cloudwatch', sealed: false });
        expect(body.events.map((e) => e.index)).toEqual(body.events.map((_, i) => since + i + 1));
        seen.push(...body.events.map((e) => e.message));
        if (body.next_index === null) {
          expect(body.last_index).toBe(23);
          break;
        }
        // A page that ran into empty pages is still a full page, and says where to go on from.
        expect(body.events).toHaveLength(5);
        expect(body.next_index).toBe(since + 5);
        since = body.next_index;
      }
      expect(seen).toEqual(lines(23));
      expect(source.calls.GetLogEvents).toBeGreaterThan(0);
    },
  );

  test('a source showing only empty pages is given up on after a bounded number of calls (503), not 10,000', async () => {
    // Every page before the end is empty: the read never gets anywhere (AWS returns a few, never this).
    const source = new InMemoryLogSource({ pageSize: 3, emptyPageEvery: 1 });
    source.append(GROUP, 's', lines(5));
    const response = await api(source).request(`/executions/${ID}/logs`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as LogsBody).error?.code).toBe('CLOUDWATCH_UNAVAILABLE');
    expect(source.calls.GetLogEvents).toBeLessThanOrEqual(20 * 10);
  });

  test('throttled with events read: a short page with next_index, then the rest once the quota allows', async () => {
    const clock = { now: T0 };
    // Two GetLogEvents per second of the source's clock; every read of a 3-event page is one call.
    const source = new InMemoryLogSource({ pageSize: 3, now: () => clock.now, getLogEventsPerSecond: 2 });
    source.append(GROUP, 's', lines(10));
    const query = new LogQuery({
      directory: fixedDirectory([{ executionId: ID, status: 'STOPPED', startedAt: T0, open: false, location }]),
      store: new InMemoryLogStore(),
      source,
      sleep: async () => undefined,
    });
    const first = await query.page(gone, 0, 100);
    expect(first.events.map((e) => e.message)).toEqual(lines(6));
    expect(first.nextIndex).toBe(6);
    expect(first.sealed).toBe(false);
    expect(source.throttledReads).toBeGreaterThan(0);

    // A client paging on from next_index, one request per second of the source's clock, gets the rest exactly.
    const events = [...first.events];
    let next: number | null = first.nextIndex;
    for (let request = 0; request < 20 && next !== null; request++) {
      clock.now += 1000;
      const page = await query.page(gone, next, 100);
      events.push(...page.events);
      next = page.nextIndex;
    }
    expect(next).toBeNull();
    expect(events.map((e) => [e.index, e.message])).toEqual(lines(10).map((m, i) => [i + 1, m]));
  });

  test('throttled before any event: backs off (jittered, growing) and reads on once the quota allows', async () => {
    const clock = { now: T0 };
    // Two calls per second: the page and the read that finds the end.
    const source = new InMemoryLogSource({ pageSize: 50, now: () => clock.now, getLogEventsPerSecond: 2 });
    source.append(GROUP, 's', lines(10));
    const waits: number[] = [];
    const query = new LogQuery({
      directory: fixedDirectory([{ executionId: ID, status: 'STOPPED', startedAt: T0, open: false, location }]),
      store: new InMemoryLogStore(),
      source,
      // The quota's second passes during the second wait.
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 2) clock.now += 1000;
      },
    });
    // Someone else's calls use this second's quota.
    await source.getLogEvents(GROUP, 's');
    await source.getLogEvents(GROUP, 's');
    const page = await query.page(gone, 0, 100);
    expect(page.events.map((e) => e.message)).toEqual(lines(10));
    expect(page.nextIndex).toBeNull();
    expect(waits).toHaveLength(2);
    expect(waits[1]).toBeGreaterThanOrEqual(waits[0] ?? Infinity);
  });

  test('throttled on the way to since_index: each retry goes on from where the last one was cut off', async () => {
    const clock = { now: T0 };
    // One call per second, three events a page: reaching index 8 takes three reads, more than one request gets.
    const source = new InMemoryLogSource({ pageSize: 3, now: () => clock.now, getLogEventsPerSecond: 1 });
    source.append(GROUP, 's', lines(10));
    const query = new LogQuery({
      directory: fixedDirectory([{ executionId: ID, status: 'STOPPED', startedAt: T0, open: false, location }]),
      store: new InMemoryLogStore(),
      source,
      sleep: async () => undefined,
    });
    const events: { index: number; message: string }[] = [];
    let next: number | null = 8;
    let refusals = 0;
    for (let request = 0; request < 20 && next !== null; request++, clock.now += 1000) {
      try {
        const page = await query.page(gone, next, 100);
        events.push(...page.events);
        next = page.nextIndex;
      } catch (error) {
        expect(error).toMatchObject({ code: 'CLOUDWATCH_UNAVAILABLE', throttled: true });
        refusals++;
      }
    }
    expect(next).toBeNull();
    expect(refusals).toBeGreaterThan(0);
    expect(events).toEqual([9, 10].map((index) => expect.objectContaining({ index, message: `line ${index}` })));
    // Every page was read once: 4 pages of events and the read that found the end, besides the refused calls.
    expect(source.calls.GetLogEvents - source.throttledReads).toBe(5);
  });

  test('throttled after the AWS SDK retried on its own: no further wait, the throttled error at once', async () => {
    const source = new InMemoryLogSource({ pageSize: 50 });
    source.append(GROUP, 's', lines(10));
    // As the SDK's retry middleware leaves it after four calls.
    source.failNext(1, {
      error: () =>
        Object.assign(awsError('ThrottlingException', 400), { $metadata: { httpStatusCode: 400, attempts: 4 } }),
    });
    const waits: number[] = [];
    const query = new LogQuery({
      directory: fixedDirectory([{ executionId: ID, status: 'STOPPED', startedAt: T0, open: false, location }]),
      store: new InMemoryLogStore(),
      source,
      sleep: async (ms) => void waits.push(ms),
    });
    await expect(query.page(gone, 0, 100)).rejects.toMatchObject({
      code: 'CLOUDWATCH_UNAVAILABLE',
      throttled: true,
      attempts: 4,
    });
    expect(waits).toEqual([]);
    expect((await query.page(gone, 0, 100)).events.map((e) => e.message)).toEqual(lines(10));
  });

  test('throttled throughout with nothing read: 429 THROTTLED with Retry-After, then the whole log', async () => {
    const clock = { now: T0 };
    const source = new InMemoryLogSource({ pageSize: 50, now: () => clock.now, getLogEventsPerSecond: 2 });
    source.append(GROUP, 's', lines(10));
    const app = api(source);
    // The quota of this second is used up, and the clock stands still.
    await source.getLogEvents(GROUP, 's');
    await source.getLogEvents(GROUP, 's');
    const refused = await app.request(`/executions/${ID}/logs`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as LogsBody).error?.code).toBe('THROTTLED');

    clock.now += 1000;
    const response = await app.request(`/executions/${ID}/logs`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as LogsBody;
    expect(body.events.map((e) => e.message)).toEqual(lines(10));
    expect(body.next_index).toBeNull();
  });
});
