import type { ChunkLimits, LogLocation } from '../../../src/domain';
import { PushedLogWriter, type PushedLogWriterOptions, type PushedRecord } from '../../../src/ports';
import { InMemoryLogStore, jitter, seededRandom } from '../../support/fakes';

const ID = 'exec-1';
const SHARD = 'shardId-000000000000';
const T0 = 1_772_366_400_000;
const LOCATION: LogLocation = { logGroup: '/logstream/executions', logStreams: ['app', 'err'] };
const SMALL_CHUNKS: ChunkLimits = { maxBytes: 2000, maxEvents: 7 };
// AWS sequence numbers: 56 digits, growing by more than 1 between records.
const SEQ_BASE = 49546986683135544286507457936321625675700192471156785154n;

/** A shard's worth of records: `count` events of `stream` split into records of 1..maxPerRecord events. */
function shardRecords(stream: string, count: number, seed: number, maxPerRecord = 5): PushedRecord[] {
  const random = seededRandom(seed);
  const records: PushedRecord[] = [];
  let n = 0;
  let seq = SEQ_BASE + BigInt(seed) * 1_000_000n;
  while (n < count) {
    const size = Math.min(count - n, 1 + Math.floor(random() * maxPerRecord));
    const events = Array.from({ length: size }, (_, i) => ({
      id: `${stream}-${n + i + 1}`,
      timestamp: T0 + Math.floor((n + i) / 3),
      message: `${stream} line ${n + i + 1}`,
    }));
    seq += 1n + BigInt(Math.floor(random() * 1000));
    records.push({ shardId: SHARD, sequenceNumber: seq.toString(), logStream: stream, events });
    n += size;
  }
  return records;
}

function writer(store: InMemoryLogStore, options: Partial<PushedLogWriterOptions> = {}): PushedLogWriter {
  return new PushedLogWriter(store, { executionId: ID, location: LOCATION, chunkLimits: SMALL_CHUNKS, ...options });
}

/** Indexes 1..N, each message of `expected` once, in order. */
function expectStoredExactly(store: InMemoryLogStore, expected: readonly string[]): void {
  const stored = store.events(ID);
  expect(stored.map((e) => e.index)).toEqual(expected.map((_, i) => i + 1));
  expect(stored.map((e) => e.message)).toEqual(expected);
}

async function errorOf(promise: Promise<unknown>): Promise<{ code?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: unknown };
  }
  throw new Error('expected a rejection');
}

const messages = (records: readonly PushedRecord[]): string[] =>
  records.flatMap((record) => record.events.map((event) => event.message));

describe('PushedLogWriter.append', () => {
  test('stores every event once with dense indexes, ids kept, each chunk with the cursor after it', async () => {
    const store = new InMemoryLogStore();
    const records = shardRecords('app', 50, 1);
    const result = await writer(store).append(records);
    expect(result).toEqual({ appended: 50, duplicates: 0, lastIndex: 50 });
    expectStoredExactly(store, messages(records));
    const chunks = store.chunks(ID);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flatMap((c) => c.events.map((e) => e.eventId))).toEqual(
      Array.from({ length: 50 }, (_, i) => `app-${i + 1}`),
    );
    const lastRecord = records.at(-1);
    const last = chunks.at(-1)?.cursor.streams.app;
    expect(last).toMatchObject({
      shardId: SHARD,
      sequenceNumber: lastRecord?.sequenceNumber,
      subIndex: (lastRecord?.events.length ?? 0) - 1,
      firstId: 'app-1',
    });
    expect(last?.recentIds?.at(-1)).toBe('app-50');
  });

  test('a record delivered twice by Kinesis, and records re-read after a restart, are stored once', async () => {
    const store = new InMemoryLogStore();
    const records = shardRecords('app', 40, 2);
    await writer(store).append(records.slice(0, 6));
    // Kinesis delivers record 5 again, then a restarted forwarder re-reads from its older checkpoint.
    const again = await writer(store).append([records[5] as PushedRecord, ...records.slice(3)]);
    const redelivered = records.slice(3, 6).reduce((sum, r) => sum + r.events.length, 0);
    expect(again.duplicates).toBe((records[5]?.events.length ?? 0) + redelivered);
    expectStoredExactly(store, messages(records));
  });

  test('CloudWatch putting the same events to Kinesis again as a new record: stored once (by id)', async () => {
    const store = new InMemoryLogStore();
    const records = shardRecords('app', 20, 3);
    await writer(store).append(records);
    const repeat = records[records.length - 2] as PushedRecord;
    const later = (BigInt(records.at(-1)?.sequenceNumber ?? '0') + 10n).toString();
    const result = await writer(store).append([{ ...repeat, sequenceNumber: later }]);
    expect(result).toEqual({ appended: 0, duplicates: repeat.events.length, lastIndex: 20 });
    expectStoredExactly(store, messages(records));
  });

  test('two streams of one execution interleave in the order given', async () => {
    const store = new InMemoryLogStore();
    const app = shardRecords('app', 12, 4, 3);
    const err = shardRecords('err', 12, 5, 3);
    const mixed = app.flatMap((record, i) => [record, ...(err[i] ? [err[i]] : [])]).concat(err.slice(app.length));
    await writer(store).append(mixed);
    expectStoredExactly(store, messages(mixed));
    const cursor = store.chunks(ID).at(-1)?.cursor;
    expect(cursor?.streams.app?.firstId).toBe('app-1');
    expect(cursor?.streams.err?.firstId).toBe('err-1');
  });

  test.each([11, 12, 13, 14, 15])(
    'three writers racing over the same shard store each event once (seed %i)',
    async (seed) => {
      const store = new InMemoryLogStore({ latency: jitter(seed, 4) });
      const records = shardRecords('app', 300, seed, 8);
      const writers = [writer(store), writer(store), writer(store)];
      const random = seededRandom(seed);
      // Each writer walks the shard from its start in its own batches, as a forwarder and a retried one would.
      await Promise.all(
        writers.map(async (w) => {
          let at = 0;
          while (at < records.length) {
            const size = 1 + Math.floor(random() * 12);
            await w.append(records.slice(at, at + size));
            at += size;
          }
        }),
      );
      expectStoredExactly(store, messages(records));
      expect(store.calls.appendChunk).toBeGreaterThan(store.chunks(ID).length);
    },
  );

  test('a lost response (the chunk stored, the call failed) is not stored again on retry', async () => {
    const store = new InMemoryLogStore();
    const records = shardRecords('app', 30, 6);
    const w = writer(store);
    store.failNext('appendChunk', 1, { after: 1, applied: true });
    expect((await errorOf(w.append(records))).code).toBe('DYNAMODB_UNAVAILABLE');
    const retried = await w.append(records);
    expect(retried.appended + retried.duplicates).toBe(30);
    expectStoredExactly(store, messages(records));
  });

  test('a sealed log refuses: LOG_SEALED, and nothing is stored', async () => {
    const store = new InMemoryLogStore();
    await store.registerExecution({ executionId: ID, location: LOCATION, startedAt: T0, ingest: 'push' });
    expect((await store.getExecution(ID))?.ingest).toBe('push');
    const records = shardRecords('app', 10, 7);
    const w = writer(store);
    await w.append(records.slice(0, 2));
    const lastIndex = store.events(ID).length;
    await store.sealLog(ID, { status: 'SUCCEEDED', completedAt: T0, lastIndex, sealedAt: T0 }, 99);
    expect((await errorOf(w.append(records))).code).toBe('LOG_SEALED');
    expect(store.events(ID)).toHaveLength(lastIndex);
  });

  test('startEmpty: a new log takes its first chunk without a read of the tip', async () => {
    const store = new InMemoryLogStore();
    const records = shardRecords('app', 20, 11);
    const result = await writer(store, { startEmpty: true }).append(records);
    expect(result).toEqual({ appended: 20, duplicates: 0, lastIndex: 20 });
    expectStoredExactly(store, messages(records));
    expect(store.calls.latestChunk).toBe(0);
  });

  test('startEmpty on a log with events: refused once, then the tip is read and only the new events are stored', async () => {
    const store = new InMemoryLogStore();
    const records = shardRecords('app', 30, 12);
    await writer(store).append(records.slice(0, 4));
    const stored = store.events(ID).length;
    const reads = store.calls.latestChunk;
    const result = await writer(store, { startEmpty: true }).append(records);
    expectStoredExactly(store, messages(records));
    expect(result.appended).toBe(30 - stored);
    expect(result.duplicates).toBe(stored);
    expect(store.calls.latestChunk).toBe(reads + 1);
  });

  test('startEmpty on a sealed log: LOG_SEALED, and nothing is stored', async () => {
    const store = new InMemoryLogStore();
    await store.registerExecution({ executionId: ID, location: LOCATION, startedAt: T0, ingest: 'push' });
    const records = shardRecords('app', 10, 13);
    await writer(store).append(records.slice(0, 2));
    const lastIndex = store.events(ID).length;
    await store.sealLog(ID, { status: 'SUCCEEDED', completedAt: T0, lastIndex, sealedAt: T0 }, 99);
    expect((await errorOf(writer(store, { startEmpty: true }).append(records))).code).toBe('LOG_SEALED');
    expect(store.events(ID)).toHaveLength(lastIndex);
  });

  test('a stream that is not the execution’s is refused with a clear error', async () => {
    const store = new InMemoryLogStore();
    const error = await errorOf(writer(store).append(shardRecords('other', 2, 8)));
    expect(error.code).toBe('INVALID_INPUT');
    expect(store.events(ID)).toHaveLength(0);
  });

  test('the window keeps the newest ids only', async () => {
    const store = new InMemoryLogStore();
    await writer(store, { recentIdWindow: 4 }).append(shardRecords('app', 30, 9));
    const position = await writer(store).tipOf('app');
    expect(position.recentIds).toEqual(['app-27', 'app-28', 'app-29', 'app-30']);
    expect(position.firstId).toBe('app-1');
  });
});

describe('PushedLogWriter: duplicates beyond the recent ids', () => {
  /** One record of `count` events of `stream`, ids `prefix-1..count`, at `sequenceNumber`. */
  function bigRecord(sequenceNumber: bigint, count: number, prefix = 'app'): PushedRecord {
    const events = Array.from({ length: count }, (_, i) => ({
      id: `${prefix}-${i + 1}`,
      timestamp: T0 + Math.floor(i / 10),
      message: `${prefix} line ${i + 1}`,
    }));
    return { shardId: SHARD, sequenceNumber: sequenceNumber.toString(), logStream: 'app', events };
  }

  test('a 300-event record delivered twice under a new sequence number stores 300 (the window holds 256 ids)', async () => {
    const store = new InMemoryLogStore();
    const record = bigRecord(SEQ_BASE, 300);
    const w = writer(store);
    expect((await w.append([record])).appended).toBe(300);
    const again = { ...record, sequenceNumber: (SEQ_BASE + 5000n).toString() };
    // By the same writer, and by a fresh one (a restarted forwarder) that reads the stored ids.
    expect(await w.append([again])).toMatchObject({ appended: 0, duplicates: 300 });
    expect(await writer(store).append([again])).toMatchObject({ appended: 0, duplicates: 300 });
    expectStoredExactly(store, messages([record]));
  });

  test('the same events re-batched (split across two records, later), and a record of new lines after them', async () => {
    const store = new InMemoryLogStore();
    const record = bigRecord(SEQ_BASE, 300);
    await writer(store).append([record]);
    const events = record.events;
    const later = (offset: bigint, part: typeof events) => ({
      ...record,
      sequenceNumber: (SEQ_BASE + offset).toString(),
      events: part,
    });
    const fresh = { id: 'new-1', timestamp: T0 + 40, message: 'a new line' };
    const result = await writer(store).append([
      later(10n, events.slice(0, 120)),
      later(11n, [...events.slice(120), fresh]),
    ]);
    expect(result).toMatchObject({ appended: 1, duplicates: 300 });
    expectStoredExactly(store, [...messages([record]), 'a new line']);
  });

  test('an event older than the newest stored, not stored yet, is stored (a late delivery is not a duplicate)', async () => {
    const store = new InMemoryLogStore();
    await writer(store).append([bigRecord(SEQ_BASE, 300)]);
    const late: PushedRecord = {
      shardId: SHARD,
      sequenceNumber: (SEQ_BASE + 7n).toString(),
      logStream: 'app',
      events: [{ id: 'late-1', timestamp: T0, message: 'delivered late' }],
    };
    expect(await writer(store).append([late])).toMatchObject({ appended: 1, duplicates: 0 });
    expect(store.events(ID).at(-1)?.message).toBe('delivered late');
  });

  test('late events during the fallback: what the forwarder stores meanwhile is never stored twice', async () => {
    // The drain found 1,000 events missing and stores them while the forwarder delivers the same 1,000 late.
    const store = new InMemoryLogStore();
    await writer(store).append([bigRecord(SEQ_BASE, 50, 'early')]);
    const lateRecord = bigRecord(SEQ_BASE + 100n, 1000, 'late');
    const found = lateRecord.events.map((e) => ({ eventId: e.id, timestamp: e.timestamp, message: e.message }));
    const drain = writer(store);
    // The drain read the stored ids before the forwarder's delivery (its snapshot), then the forwarder stores all.
    await drain.storedIds();
    const forwarder = writer(store);
    const halves = [lateRecord.events.slice(0, 500), lateRecord.events.slice(500)];
    await Promise.all([
      drain.appendMissing('app', found),
      forwarder.append([{ ...lateRecord, events: halves[0] ?? [] }]),
      forwarder.append([{ ...lateRecord, sequenceNumber: (SEQ_BASE + 101n).toString(), events: halves[1] ?? [] }]),
    ]);
    const ids = store.chunks(ID).flatMap((c) => c.events.map((e) => e.eventId));
    expect(ids).toHaveLength(1050);
    expect(new Set(ids).size).toBe(1050);
    expect((await writer(store).storedIds()).duplicates).toBe(0);
  });
});

describe('PushedLogWriter.appendMissing and tipOf', () => {
  const missing = (ids: readonly string[]) =>
    ids.map((eventId, i) => ({ eventId, timestamp: T0 + 100 + i, message: `late ${eventId}` }));

  test('stores what the check found missing after everything stored, once', async () => {
    const store = new InMemoryLogStore();
    const records = shardRecords('app', 10, 10);
    await writer(store).append(records);
    const w = writer(store);
    expect(await w.appendMissing('app', missing(['x1', 'x2']))).toEqual({ appended: 2, lastIndex: 12 });
    // Called again (a retried drain): the ids are in the window now.
    expect(await w.appendMissing('app', missing(['x1', 'x2']))).toEqual({ appended: 0, lastIndex: 12 });
    expectStoredExactly(store, [...messages(records), 'late x1', 'late x2']);
    const position = await writer(store).tipOf('app');
    expect(position.recentIds?.slice(-2)).toEqual(['x1', 'x2']);
    // The shard origin stays where the last pushed event came from.
    expect(position.sequenceNumber).toBe(records.at(-1)?.sequenceNumber);
  });

  test('events another writer stored meanwhile (past the window) are found in the chunks it wrote', async () => {
    const store = new InMemoryLogStore();
    const w = writer(store, { recentIdWindow: 2 });
    await w.appendMissing('app', missing(['a']));
    // Another writer stores x1, then many more, while `w` still holds its old tip.
    const other = writer(store, { recentIdWindow: 2 });
    await other.appendMissing('app', missing(['x1']));
    await other.append(shardRecords('app', 10, 11));
    const result = await w.appendMissing('app', missing(['x1', 'x2']));
    expect(result.appended).toBe(1);
    const ids = store.chunks(ID).flatMap((c) => c.events.map((e) => e.eventId));
    expect(ids.filter((id) => id === 'x1')).toHaveLength(1);
    expect(ids.at(-1)).toBe('x2');
  });

  test('tipOf reads the tip afresh: the head of an empty log, then what other writers stored', async () => {
    const store = new InMemoryLogStore();
    const w = writer(store);
    expect(await w.tipOf('app')).toEqual({ skip: 0 });
    await writer(store).append(shardRecords('app', 3, 12));
    expect(await w.tipOf('app')).toMatchObject({ firstId: 'app-1', recentIds: ['app-1', 'app-2', 'app-3'] });
  });
});
