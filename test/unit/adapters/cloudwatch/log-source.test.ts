import { CloudWatchLogSource } from '../../../../src/adapters/cloudwatch/cloudwatch-log-source';
import { parseCursor, type LogEvent, type LogLocation, type SourceCursor } from '../../../../src/domain';
import { LogPump, readStoredEvents } from '../../../../src/ports';
import { awsError, fakeCloudWatchClient, InMemoryLogSource, InMemoryLogStore } from '../../../support/fakes';

// The CloudWatch adapter's reading against a model as strict as AWS: timestamp-ordered pages, empty
// pages before the end, 1 MB responses, ingestion delay and forward tokens that expire.

const GROUP = '/g';
const ID = 'exec';
const T0 = 1_700_000_000_000;
const location: LogLocation = { logGroup: GROUP, logStreams: ['s'] };

function setup(options: ConstructorParameters<typeof InMemoryLogSource>[0] = {}) {
  const cloudwatch = new InMemoryLogSource(options);
  const source = new CloudWatchLogSource({ client: fakeCloudWatchClient(cloudwatch) });
  const store = new InMemoryLogStore();
  const pump = (maxEventsPerPump = 10_000): LogPump =>
    new LogPump(store, source, { executionId: ID, location, maxEventsPerPump });
  return { cloudwatch, source, store, pump };
}

function events(from: number, count: number, timestamp: (i: number) => number = (i) => T0 + i): LogEvent[] {
  return Array.from({ length: count }, (_, i) => ({ timestamp: timestamp(from + i), message: `line ${from + i}` }));
}

async function storedMessages(store: InMemoryLogStore): Promise<string[]> {
  const page = await readStoredEvents(store, ID, 0, Number.MAX_SAFE_INTEGER);
  expect(page.events.map((e) => e.index)).toEqual(page.events.map((_, i) => i + 1));
  return page.events.map((e) => e.message);
}

/** Pumps until a pump stores nothing and reached the end of the stream. */
async function pumpToEnd(pump: LogPump): Promise<void> {
  for (let round = 0; round < 10_000; round++) {
    const result = await pump.pump();
    if (result.appended === 0 && result.exhausted) return;
  }
  throw new Error('never reached the end');
}

async function errorOf(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

describe('CloudWatchLogSource: the end of a stream is the token given coming back', () => {
  test('a read through empty pages only is not the end, and moves the cursor on', async () => {
    const s = setup({ pageSize: 1, emptyPageEvery: 1 });
    s.cloudwatch.append(GROUP, 's', events(1, 3));
    const batch = await s.source.readAfter(location, { streams: {} }, 100);
    expect(batch.events).toEqual([]);
    expect(batch.exhausted).toBe(false);
    expect(batch.calls).toBeGreaterThan(1);
    expect(batch.cursor.streams.s?.token).toEqual(expect.any(String));
  });

  test('an empty stream is exhausted only once its token comes back', async () => {
    const s = setup();
    await s.cloudwatch.createStream(GROUP, 's');
    const batch = await s.source.readAfter(location, { streams: {} }, 100);
    expect(batch).toMatchObject({ events: [], exhausted: true, calls: 2 });
  });

  test('a partial page with new events ends the read (one call) but is not reported as the end', async () => {
    const s = setup({ pageSize: 5 });
    s.cloudwatch.append(GROUP, 's', events(1, 12));
    const batch = await s.source.readAfter(location, { streams: {} }, 100);
    expect(batch.events).toHaveLength(5);
    expect(batch).toMatchObject({ calls: 1, exhausted: false });
  });

  test.each([
    ['no page', 0],
    ['every 2nd page', 2],
    ['every 3rd page', 3],
  ])('every event stored once, in order, with %s before the end empty', async (_label, every) => {
    const s = setup({ pageSize: 4, emptyPageEvery: every });
    const pump = s.pump(9);
    s.cloudwatch.append(GROUP, 's', events(1, 40));
    await pump.pump();
    s.cloudwatch.append(GROUP, 's', events(41, 33));
    await pumpToEnd(pump);
    expect(await storedMessages(s.store)).toEqual(events(1, 73).map((e) => e.message));
  });

  test('full 1 MB pages are read on within one read; each event once', async () => {
    const s = setup({ pageSize: 10_000 });
    const big = 'x'.repeat(200 * 1024);
    s.cloudwatch.append(
      GROUP,
      's',
      Array.from({ length: 23 }, (_, i) => ({ timestamp: T0 + i, message: `${i} ${big}` })),
    );
    const batch = await s.source.readAfter(location, { streams: {} }, 10_000);
    expect(batch.events).toHaveLength(23);
    expect(batch.calls).toBeGreaterThanOrEqual(5);
    await pumpToEnd(s.pump());
    expect((await storedMessages(s.store)).map((m) => m.split(' ')[0])).toEqual(
      Array.from({ length: 23 }, (_, i) => String(i)),
    );
  });

  test('events delayed by ingestion are read once they are visible, none lost', async () => {
    let now = T0;
    const s = setup({ pageSize: 7, ingestionDelayMs: 1000, now: () => now });
    const pump = s.pump();
    s.cloudwatch.append(GROUP, 's', events(1, 10));
    await pumpToEnd(pump);
    expect(await storedMessages(s.store)).toEqual([]);
    now += 500;
    s.cloudwatch.append(GROUP, 's', events(11, 10));
    now += 500;
    await pumpToEnd(pump);
    expect(await storedMessages(s.store)).toEqual(events(1, 10).map((e) => e.message));
    now += 500;
    await pumpToEnd(pump);
    expect(await storedMessages(s.store)).toEqual(events(1, 20).map((e) => e.message));
  });
});

describe('CloudWatchLogSource: a refused (expired) token resumes from the stored timestamp', () => {
  test.each([
    ['distinct timestamps', (i: number) => T0 + i],
    ['every event in the same millisecond, across pages', () => T0],
    ['three events per millisecond', (i: number) => T0 + Math.floor(i / 3)],
  ])('no duplicate and no gap (%s)', async (_label, timestamp) => {
    const s = setup({ pageSize: 7 });
    s.cloudwatch.append(GROUP, 's', events(1, 40, timestamp));
    await s.pump(17).pump();
    await s.pump(5).pump();
    const cursor = (await s.store.latestChunk(ID))?.cursor;
    expect(cursor?.streams.s?.token).toEqual(expect.any(String));
    s.cloudwatch.expireTokens();
    s.cloudwatch.append(GROUP, 's', events(41, 20, timestamp));
    const before = s.cloudwatch.calls.GetLogEvents;
    await pumpToEnd(s.pump(6));
    expect(s.cloudwatch.calls.GetLogEvents).toBeGreaterThan(before);
    expect(await storedMessages(s.store)).toEqual(events(1, 60).map((e) => e.message));
    // The replacement read is anchored at a timestamp, and its own tokens are used from there on.
    expect((await s.store.latestChunk(ID))?.cursor.streams.s?.startTime).toEqual(expect.any(Number));
  });

  test('tokens refused again within one read are replaced again, each time from where the read got to', async () => {
    const s = setup({ pageSize: 4 });
    // One millisecond across pages: the replacement read skips a whole page and continues with its token.
    s.cloudwatch.append(
      GROUP,
      's',
      events(1, 30, () => T0),
    );
    expect((await s.pump(6).pump()).appended).toBe(4);
    const refused = () => awsError('InvalidParameterException', 400, 'The specified nextToken is invalid.');
    // The read's first call (stored token) and its third (the replacement's next token) are refused.
    s.cloudwatch.failNext(1, { error: refused });
    s.cloudwatch.failNext(1, { after: 1, error: refused });
    const before = s.cloudwatch.calls.GetLogEvents;
    const cursor = (await s.store.latestChunk(ID))?.cursor ?? { streams: {} };
    const batch = await s.source.readAfter(location, cursor, 100);
    // Refused; replaced (a page of skipped events); its next token refused; replaced again (the same
    // page skipped); then the next page, which ends the read.
    expect(batch.events.map((e) => e.message)).toEqual(events(5, 4).map((e) => e.message));
    expect(s.cloudwatch.calls.GetLogEvents - before).toBe(5);
    await pumpToEnd(s.pump(100));
    expect(await storedMessages(s.store)).toEqual(events(1, 30).map((e) => e.message));
  });

  test('a token refused before any event was consumed resumes from the head', async () => {
    const s = setup({ pageSize: 7 });
    await s.cloudwatch.createStream(GROUP, 's');
    const empty = await s.source.readAfter(location, { streams: {} }, 10);
    expect(empty.cursor.streams.s?.token).toEqual(expect.any(String));
    s.cloudwatch.expireTokens();
    s.cloudwatch.append(GROUP, 's', events(1, 9));
    const batch = await s.source.readAfter(location, empty.cursor, 100);
    expect(batch.events.map((e) => e.message)).toEqual(events(1, 7).map((e) => e.message));
  });

  test('a refused token of a cursor stored before positions carried timestamps is a non-retryable error', async () => {
    const s = setup({ pageSize: 7 });
    s.cloudwatch.append(GROUP, 's', events(1, 9));
    const head = await s.source.readAfter(location, { streams: {} }, 7);
    const legacy: SourceCursor = parseCursor({ streams: { s: { token: head.cursor.streams.s?.token, skip: 0 } } });
    s.cloudwatch.expireTokens();
    expect(await errorOf(s.source.readAfter(location, legacy, 100))).toMatchObject({
      code: 'CLOUDWATCH_UNAVAILABLE',
      retryable: false,
      awsCode: 'InvalidParameterException',
    });
  });

  test('a cursor stored before positions carried timestamps still reads on while its token is valid', async () => {
    const s = setup({ pageSize: 7 });
    s.cloudwatch.append(GROUP, 's', events(1, 9));
    const head = await s.source.readAfter(location, { streams: {} }, 7);
    const legacy = parseCursor({ streams: { s: { token: head.cursor.streams.s?.token, skip: 0 } } });
    const rest = await s.source.readAfter(location, legacy, 100);
    expect(rest.events.map((e) => e.message)).toEqual(['line 8', 'line 9']);
    // Its timestamp count is unknown until a new millisecond starts, and known from then on.
    expect(rest.cursor.streams.s).toMatchObject({ lastTimestamp: T0 + 9, lastTimestampCount: 1 });
  });
});

describe('CloudWatchLogSource: out-of-order timestamps in one stream (several writers)', () => {
  test('events arriving late but ahead of the reader are stored once, in timestamp order', async () => {
    const s = setup({ pageSize: 7 });
    const pump = s.pump();
    s.cloudwatch.append(GROUP, 's', [
      { timestamp: T0 + 10, message: 'a 10' },
      { timestamp: T0 + 5, message: 'b 5' },
    ]);
    await pumpToEnd(pump);
    // Writer b runs ahead, writer a's next batch lands after it with older timestamps, all past the reader.
    s.cloudwatch.append(GROUP, 's', [{ timestamp: T0 + 30, message: 'b 30' }]);
    s.cloudwatch.append(GROUP, 's', [
      { timestamp: T0 + 10, message: 'a 10 again' },
      { timestamp: T0 + 20, message: 'a 20' },
    ]);
    await pumpToEnd(pump);
    expect(await storedMessages(s.store)).toEqual(['b 5', 'a 10', 'a 10 again', 'a 20', 'b 30']);
  });

  test('an event arriving behind the reader (older than what was read from its stream) is not stored', async () => {
    const s = setup({ pageSize: 7 });
    const pump = s.pump();
    s.cloudwatch.append(GROUP, 's', events(1, 10));
    await pumpToEnd(pump);
    s.cloudwatch.append(GROUP, 's', [{ timestamp: T0 + 3, message: 'behind' }, ...events(11, 2)]);
    await pumpToEnd(pump);
    expect(await storedMessages(s.store)).toEqual(events(1, 12).map((e) => e.message));
  });

  test('a backend whose tokens count events (the emulator) shows nothing twice when late events push the stream back', async () => {
    const backend = countingTokenBackend();
    const source = new CloudWatchLogSource({ client: backend.client });
    const store = new InMemoryLogStore();
    const pump = new LogPump(store, source, { executionId: ID, location });
    backend.put(events(1, 5));
    await pumpToEnd(pump);
    // Two events behind the reader push lines 4 and 5 back past its token; line 6 is new.
    backend.put([
      { timestamp: T0 + 2, message: 'behind 1' },
      { timestamp: T0 + 2, message: 'behind 2' },
      ...events(6, 1),
    ]);
    await pumpToEnd(pump);
    expect(await storedMessages(store)).toEqual(events(1, 6).map((e) => e.message));
    // The check costs one read from the stored timestamp, only when it fires.
    expect(backend.startTimeReads).toBe(1);
  });
});

/**
 * A GetLogEvents backend shaped like the local emulator: a stream sorted by timestamp (stable), whose
 * forward token is `f/` plus the index of the last event returned, so an older event put later shifts
 * the events after it past tokens already issued.
 */
function countingTokenBackend() {
  const stream: LogEvent[] = [];
  const backend = {
    startTimeReads: 0,
    put(batch: readonly LogEvent[]): void {
      stream.push(...batch);
      stream.sort((a, b) => a.timestamp - b.timestamp);
    },
    client: {
      send: async (command: { input: { nextToken?: string; startTime?: number; limit?: number } }) => {
        const { nextToken, startTime, limit = 10_000 } = command.input;
        if (startTime !== undefined && nextToken === undefined) backend.startTimeReads++;
        const visible = stream.filter((e) => startTime === undefined || e.timestamp >= startTime);
        const from = nextToken === undefined ? 0 : Number(nextToken.slice(2)) + 1;
        const page = visible.slice(from, from + limit);
        const last = page.length > 0 ? from + page.length - 1 : visible.length - 1;
        const token = nextToken !== undefined && page.length === 0 ? nextToken : `f/${last}`;
        return { events: page.map((e) => ({ ...e, ingestionTime: e.timestamp })), nextForwardToken: token };
      },
    } as unknown as ConstructorParameters<typeof CloudWatchLogSource>[0]['client'],
  };
  return backend;
}
