import type { LogChunk } from '../../../src/domain';
import { awsError, GET_RESPONSE_BYTES, InMemoryLogSource, InMemoryLogStore } from '../../support/fakes';

// The fakes stand in for DynamoDB and CloudWatch in the other unit tests: these pin the semantics they copy.

const ID = 'exec-fake';
const FAR = 4_000_000_000;
const chunk = (seq: number, size: number): LogChunk => ({
  seq,
  last: seq + size - 1,
  events: Array.from({ length: size }, (_, i) => ({ timestamp: 1000 + seq + i, message: `m${seq + i}` })),
  cursor: { streams: { s: { token: `f/${seq + size - 1}`, skip: 0 } } },
});

async function errorOf(promise: Promise<unknown>): Promise<{ code?: unknown; name?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: unknown };
  }
  throw new Error('expected a rejection');
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('InMemoryLogStore', () => {
  test('a second chunk at the same index is a CHUNK_CONFLICT and changes nothing', async () => {
    const store = new InMemoryLogStore();
    await store.appendChunk(ID, chunk(1, 3));
    const error = await errorOf(store.appendChunk(ID, chunk(1, 5)));
    expect(error.code).toBe('CHUNK_CONFLICT');
    expect(error.name).toBe('ChunkConflictError');
    expect(store.events(ID).map((e) => e.message)).toEqual(['m1', 'm2', 'm3']);
  });

  test('latestChunk is the highest chunk with its cursor and last timestamp', async () => {
    const store = new InMemoryLogStore();
    expect(await store.latestChunk(ID)).toBeUndefined();
    await store.appendChunk(ID, chunk(1, 3));
    await store.appendChunk(ID, chunk(4, 2));
    expect(await store.latestChunk(ID)).toMatchObject({
      seq: 4,
      last: 5,
      lastTimestamp: 1005,
      cursor: chunk(4, 2).cursor,
    });
  });

  test('readChunks starts with the chunk holding fromIndex and pages through the rest', async () => {
    const store = new InMemoryLogStore({ pageItems: 2 });
    for (let seq = 1; seq <= 20; seq += 2) await store.appendChunk(ID, chunk(seq, 2));
    expect((await collect(store.readChunks(ID, 6))).map((c) => c.seq)).toEqual([5, 7, 9, 11, 13, 15, 17, 19]);
    expect((await collect(store.readChunks(ID, 1))).map((c) => c.seq)).toHaveLength(10);
    expect(await collect(store.readChunks(ID, 21))).toEqual([]);
  });

  test('registerExecution keeps the first record; sealLog keeps the first seal', async () => {
    const store = new InMemoryLogStore();
    const record = { executionId: ID, location: { logGroup: 'g', logStreams: ['s'] }, startedAt: 5 };
    expect(await store.registerExecution(record)).toEqual(record);
    expect(await store.registerExecution({ ...record, startedAt: 9 })).toMatchObject({ startedAt: 5 });
    const seal = { status: 'SUCCEEDED' as const, completedAt: 10, lastIndex: 3, sealedAt: 11 };
    expect(await store.sealLog(ID, seal, FAR)).toEqual(seal);
    expect(await store.sealLog(ID, { ...seal, status: 'FAILED', lastIndex: 4 }, FAR)).toEqual(seal);
    expect(await store.getExecution(ID)).toEqual({ ...record, seal });
  });

  test('expired items are hidden from reads but not from latestChunk', async () => {
    let now = 0;
    const store = new InMemoryLogStore({ now: () => now });
    await store.registerExecution({ executionId: ID, location: { logGroup: 'g', logStreams: [] }, startedAt: 1 });
    await store.appendChunk(ID, chunk(1, 1));
    await store.sealLog(ID, { status: 'SUCCEEDED', completedAt: 1, lastIndex: 1, sealedAt: 2 }, 10);
    now = 11_000;
    expect(await collect(store.readChunks(ID, 1))).toEqual([]);
    expect(await store.getExecution(ID)).toBeUndefined();
    expect((await store.latestChunk(ID))?.seq).toBe(1);
  });

  test('injected failures hit the chosen call only', async () => {
    const store = new InMemoryLogStore();
    store.failNext('appendChunk', 1, { after: 1 });
    await store.appendChunk(ID, chunk(1, 1));
    expect((await errorOf(store.appendChunk(ID, chunk(2, 1)))).code).toBe('DYNAMODB_UNAVAILABLE');
    await store.appendChunk(ID, chunk(2, 1));
    expect(store.calls.appendChunk).toBe(3);
    expect(store.events(ID)).toHaveLength(2);
  });
});

describe('InMemoryLogSource', () => {
  test('GetLogEvents pages with forward tokens; the same token comes back at the end', async () => {
    const source = new InMemoryLogSource({ pageSize: 3 });
    source.append('g', 's', ['a', 'b', 'c', 'd']);
    const first = await source.getLogEvents('g', 's');
    expect(first.events.map((e) => e.message)).toEqual(['a', 'b', 'c']);
    const second = await source.getLogEvents('g', 's', { nextToken: first.nextForwardToken });
    expect(second.events.map((e) => e.message)).toEqual(['d']);
    const end = await source.getLogEvents('g', 's', { nextToken: second.nextForwardToken });
    expect(end).toEqual({ events: [], nextForwardToken: second.nextForwardToken });
    expect(source.calls.GetLogEvents).toBe(3);
  });

  test('pages are in timestamp order, one millisecond in arrival order, whatever the arrival order', async () => {
    const source = new InMemoryLogSource({ pageSize: 100 });
    source.append('g', 's', [
      { timestamp: 30, message: 'c' },
      { timestamp: 10, message: 'a1' },
      { timestamp: 20, message: 'b' },
      { timestamp: 10, message: 'a2' },
    ]);
    expect((await source.getLogEvents('g', 's')).events.map((e) => e.message)).toEqual(['a1', 'a2', 'b', 'c']);
    expect(source.events('g', 's').map((e) => e.message)).toEqual(['a1', 'a2', 'b', 'c']);
  });

  test('an event arriving with a timestamp behind a token is never shown after it; one ahead of it is', async () => {
    const source = new InMemoryLogSource({ pageSize: 100 });
    source.append('g', 's', [
      { timestamp: 10, message: 'a' },
      { timestamp: 20, message: 'b' },
    ]);
    const first = await source.getLogEvents('g', 's');
    source.append('g', 's', [
      { timestamp: 15, message: 'behind' },
      { timestamp: 20, message: 'same millisecond, later' },
      { timestamp: 25, message: 'ahead' },
    ]);
    const next = await source.getLogEvents('g', 's', { nextToken: first.nextForwardToken });
    expect(next.events.map((e) => e.message)).toEqual(['same millisecond, later', 'ahead']);
    expect((await source.getLogEvents('g', 's')).events.map((e) => e.message)).toEqual([
      'a',
      'behind',
      'b',
      'same millisecond, later',
      'ahead',
    ]);
  });

  test('startTime reads from a timestamp on', async () => {
    const source = new InMemoryLogSource({ pageSize: 100 });
    source.append(
      'g',
      's',
      [10, 20, 20, 30].map((timestamp, i) => ({ timestamp, message: `m${i}` })),
    );
    const page = await source.getLogEvents('g', 's', { startTime: 20 });
    expect(page.events.map((e) => e.message)).toEqual(['m1', 'm2', 'm3']);
  });

  test('a response holds at most 10,000 events and 1 MB (each message plus 26 bytes), at least one event', async () => {
    const source = new InMemoryLogSource({ pageSize: 50_000 });
    source.append(
      'g',
      's',
      Array.from({ length: 12_000 }, (_, i) => `m${i}`),
    );
    const counted = await source.getLogEvents('g', 's');
    expect(counted.events).toHaveLength(10_000);
    const big = new InMemoryLogSource({ pageSize: 50_000 });
    const message = 'x'.repeat(200 * 1024);
    big.append(
      'g',
      's',
      Array.from({ length: 12 }, () => message),
    );
    const sized = await big.getLogEvents('g', 's');
    expect(sized.events).toHaveLength(Math.floor(GET_RESPONSE_BYTES / (message.length + 26)));
    const huge = new InMemoryLogSource();
    huge.append('g', 's', ['y'.repeat(GET_RESPONSE_BYTES)]);
    expect((await huge.getLogEvents('g', 's')).events).toHaveLength(1);
  });

  test('with emptyPageEvery, pages before the end come back empty with a new token; the end never does', async () => {
    const source = new InMemoryLogSource({ pageSize: 2, emptyPageEvery: 2 });
    source.append('g', 's', ['a', 'b', 'c', 'd']);
    const pages: { messages: string[]; token: string }[] = [];
    let token: string | undefined;
    for (let call = 0; call < 20; call++) {
      const page = await source.getLogEvents('g', 's', token === undefined ? {} : { nextToken: token });
      if (page.nextForwardToken === token) break;
      pages.push({ messages: page.events.map((e) => e.message), token: page.nextForwardToken });
      token = page.nextForwardToken;
    }
    expect(pages.map((p) => p.messages)).toEqual([['a', 'b'], [], ['c', 'd']]);
    expect(new Set(pages.map((p) => p.token)).size).toBe(3);
  });

  test('an expired or unknown token is refused with InvalidParameterException', async () => {
    let now = 1_000_000;
    const source = new InMemoryLogSource({ pageSize: 1, tokenTtlMs: 60_000, now: () => now });
    source.append('g', 's', ['a', 'b', 'c']);
    const first = await source.getLogEvents('g', 's');
    now += 60_000;
    expect((await source.getLogEvents('g', 's', { nextToken: first.nextForwardToken })).events).toHaveLength(1);
    now += 1;
    expect(await errorOf(source.getLogEvents('g', 's', { nextToken: first.nextForwardToken }))).toMatchObject({
      name: 'InvalidParameterException',
    });
    expect(await errorOf(source.getLogEvents('g', 's', { nextToken: 'f/999' }))).toMatchObject({
      name: 'InvalidParameterException',
    });
    const fresh = await source.getLogEvents('g', 's');
    source.expireTokens();
    expect(await errorOf(source.getLogEvents('g', 's', { nextToken: fresh.nextForwardToken }))).toMatchObject({
      name: 'InvalidParameterException',
    });
  });

  test('GetLogEvents calls over the account-wide quota in one second are throttled', async () => {
    let now = 5_000;
    const source = new InMemoryLogSource({ getLogEventsPerSecond: 3, now: () => now });
    source.append('g', 's', ['a']);
    for (let i = 0; i < 3; i++) await source.getLogEvents('g', 's');
    expect(await errorOf(source.getLogEvents('g', 's'))).toMatchObject({ name: 'ThrottlingException' });
    now = 6_000;
    expect((await source.getLogEvents('g', 's')).events).toHaveLength(1);
    expect(source.throttledReads).toBe(1);
  });

  test('events become visible an ingestion delay after their put', async () => {
    let now = 0;
    const source = new InMemoryLogSource({ ingestionDelayMs: 2000, now: () => now });
    source.append('g', 's', ['a']);
    now = 1999;
    const before = await source.getLogEvents('g', 's');
    expect(before.events).toEqual([]);
    now = 2000;
    expect((await source.getLogEvents('g', 's', { nextToken: before.nextForwardToken })).events).toHaveLength(1);
  });

  test('a missing stream is ResourceNotFoundException; injected read failures are the SDK error the adapter maps', async () => {
    const source = new InMemoryLogSource();
    expect(await errorOf(source.getLogEvents('g', 'missing'))).toMatchObject({ name: 'ResourceNotFoundException' });
    source.append('g', 's', ['a']);
    source.failNext(1);
    expect(await errorOf(source.getLogEvents('g', 's'))).toMatchObject({ name: 'ServiceUnavailableException' });
    source.failNext(1);
    expect(await errorOf(source.readAfter({ logGroup: 'g', logStreams: ['s'] }, { streams: {} }, 10))).toMatchObject({
      code: 'CLOUDWATCH_UNAVAILABLE',
      retryable: true,
      throttled: false,
    });
    source.failNext(1, { error: () => awsError('ThrottlingException') });
    expect(await errorOf(source.readAfter({ logGroup: 'g', logStreams: ['s'] }, { streams: {} }, 10))).toMatchObject({
      code: 'CLOUDWATCH_UNAVAILABLE',
      retryable: true,
      throttled: true,
    });
  });

  test('readAfter honours a position inside a page', async () => {
    const source = new InMemoryLogSource({ pageSize: 3 });
    source.append('g', 's', ['a', 'b', 'c', 'd', 'e']);
    const location = { logGroup: 'g', logStreams: ['s'] };
    const head = await source.readAfter(location, { streams: {} }, 4);
    expect(head.events.map((e) => e.message)).toEqual(['a', 'b', 'c']);
    const inPage = await source.readAfter(location, head.cursor, 1);
    expect(inPage.events.map((e) => e.message)).toEqual(['d']);
    expect(inPage.cursor.streams.s).toMatchObject({ token: head.cursor.streams.s?.token, skip: 1 });
    const rest = await source.readAfter(location, inPage.cursor, 10);
    expect(rest.events.map((e) => e.message)).toEqual(['e']);
  });

  test('putEvents refuses what CloudWatch refuses, without storing it', async () => {
    const source = new InMemoryLogSource();
    expect((await errorOf(source.putEvents('g', 'missing', [{ timestamp: 1, message: 'x' }]))).code).toBe(
      'CLOUDWATCH_UNAVAILABLE',
    );
    await source.createStream('g', 's');
    const unordered = [
      { timestamp: 2, message: 'late' },
      { timestamp: 1, message: 'early' },
    ];
    expect((await errorOf(source.putEvents('g', 's', unordered))).code).toBe('CLOUDWATCH_UNAVAILABLE');
    expect(source.events('g', 's')).toEqual([]);
  });

  test('failNext fails the next calls of one operation with CLOUDWATCH_UNAVAILABLE', async () => {
    const source = new InMemoryLogSource();
    await source.createStream('g', 's');
    source.failNext(2, { operation: 'PutLogEvents' });
    for (let i = 0; i < 2; i++) {
      expect((await errorOf(source.putEvents('g', 's', [{ timestamp: 1, message: 'x' }]))).code).toBe(
        'CLOUDWATCH_UNAVAILABLE',
      );
    }
    await source.putEvents('g', 's', [{ timestamp: 1, message: 'x' }]);
    expect(source.events('g', 's')).toEqual([{ timestamp: 1, message: 'x' }]);
    expect(source.calls.PutLogEvents).toBe(3);
  });
});
