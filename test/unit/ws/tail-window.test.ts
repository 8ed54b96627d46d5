// The tail's window of chunks: backlogs served from memory when they start inside it, paged from the
// store (one read at a time, shared by every joiner of that range) when they start before it, and the
// join protocol's guarantees unchanged (each event once, in order, whatever moment a subscriber joins).
import pino from 'pino';
import { initialCursor } from '../../../src/domain';
import type { StoredChunk } from '../../../src/ports';
import { ChunkWindow } from '../../../src/ws/chunk-window';
import type { EventBatch } from '../../../src/ws/event-batch';
import type { TailHubOptions } from '../../../src/ws/tail-interfaces';
import { TailHub } from '../../../src/ws/tail-hub';
import { InMemoryLogStore, jitter, seededRandom } from '../../support/fakes';
import { appendEvents, range, RecordingSink, registerExecution, until } from '../../support/tail-sinks';

const ID = 'window-test';
const logger = pino({ level: 'silent' });

function hubOptions(store: InMemoryLogStore, extra: Partial<TailHubOptions> = {}): TailHubOptions {
  return { store, logger, pollMinMs: 2, pollMaxMs: 10, sealCheckMs: 10, ...extra };
}

/** Appends `chunks` chunks of `size` events after `after`; returns the last index. */
async function appendChunks(store: InMemoryLogStore, after: number, chunks: number, size: number): Promise<number> {
  for (let i = 0; i < chunks; i++) await appendEvents(store, ID, after + i * size + 1, size);
  return after + chunks * size;
}

function chunk(seq: number, size: number, messageBytes = 1): StoredChunk {
  const events = Array.from({ length: size }, (_, i) => ({ timestamp: seq + i, message: 'x'.repeat(messageBytes) }));
  return { seq, last: seq + size - 1, events, cursor: initialCursor(['s']), lastTimestamp: seq + size - 1 };
}

describe('ChunkWindow', () => {
  it('finds the chunk holding an index, and holds each chunk once', () => {
    const window = new ChunkWindow({ maxEvents: 100, maxBytes: () => 1e9 });
    const first = window.add(chunk(1, 5));
    window.add(chunk(11, 5));
    window.add(chunk(6, 5));
    expect(window.containing(0)).toBeUndefined();
    expect(window.containing(1)).toBe(first);
    expect(window.containing(7)?.seq).toBe(6);
    expect(window.containing(15)?.seq).toBe(11);
    expect(window.containing(16)).toBeUndefined();
    expect(window.add(chunk(1, 5))).toBe(first);
    expect(window.eventCount).toBe(15);
  });

  it('lets the least recently used chunks go over its event and byte bounds', () => {
    let maxBytes = 1e9;
    const window = new ChunkWindow({ maxEvents: 10, maxBytes: () => maxBytes });
    window.add(chunk(1, 5));
    window.add(chunk(6, 5));
    // A read makes 1..5 recent: 6..10 goes first.
    window.containing(3);
    window.add(chunk(11, 5));
    expect(window.containing(8)).toBeUndefined();
    expect(window.containing(3)?.seq).toBe(1);
    expect(window.containing(12)?.seq).toBe(11);
    // A shared budget that shrinks is honoured at the next add; the chunk just added always stays.
    maxBytes = 1;
    window.add(chunk(16, 5));
    expect(window.eventCount).toBe(5);
    expect(window.containing(16)?.seq).toBe(16);
  });

  it("keeps a chunk's events without its cursor or event ids (push cursors carry hundreds of ids)", () => {
    const window = new ChunkWindow({ maxEvents: 100, maxBytes: () => 1e9 });
    const pushed = chunk(1, 2);
    const withIds: StoredChunk = {
      ...pushed,
      events: pushed.events.map((event, i) => ({ ...event, eventId: `${'3'.repeat(55)}${i}` })),
      cursor: { ...pushed.cursor, ...{ note: 'x'.repeat(100_000) } },
    };
    const entry = window.add(withIds);
    expect(entry.bytes).toBe(new ChunkWindow({ maxEvents: 100, maxBytes: () => 1e9 }).add(pushed).bytes);
    expect(entry.batch(1, 2)?.events).toEqual([
      { index: 1, timestamp: 1, message: 'x' },
      { index: 2, timestamp: 2, message: 'x' },
    ]);
  });

  it('serves a whole chunk as one shared batch (one frame), and parts of it as slices', () => {
    const window = new ChunkWindow({ maxEvents: 100, maxBytes: () => 1e9 });
    const entry = window.add(chunk(11, 5));
    const whole = entry.batch(11, 100);
    expect(entry.batch(11, 15)).toBe(whole);
    expect(whole?.message()).toBe(entry.batch(11, 15)?.message());
    expect(entry.batch(13, 100)?.events.map((event) => event.index)).toEqual([13, 14, 15]);
    expect(entry.batch(11, 12)?.events.map((event) => event.index)).toEqual([11, 12]);
    expect(entry.batch(16, 100)).toBeUndefined();
  });
});

const lastOf = (sink: RecordingSink): number | undefined => sink.indexes[sink.indexes.length - 1];

describe('TailHub window', () => {
  it('a joiner whose backlog starts inside the window takes it from memory', async () => {
    const store = new InMemoryLogStore();
    await registerExecution(store, ID);
    await appendChunks(store, 0, 2, 5);
    const hub = new TailHub(hubOptions(store));
    const first = new RecordingSink();
    await hub.subscribe(ID, 0, first);
    await appendChunks(store, 10, 2, 5);
    await until('the live events', () => lastOf(first) === 20);
    const reads = store.calls.readChunks;
    const inside = [3, 10, 12, 19, 20].map((from) => ({ from, sink: new RecordingSink() }));
    for (const { from, sink } of inside) await hub.subscribe(ID, from, sink);
    await appendChunks(store, 20, 1, 5);
    const sinks = [first, ...inside.map(({ sink }) => sink)];
    await until('the next live chunk', () => sinks.every((sink) => lastOf(sink) === 25));
    expect(store.calls.readChunks).toBe(reads);
    expect(first.indexes).toEqual(range(1, 25));
    for (const { from, sink } of inside) expect(sink.indexes).toEqual(range(from + 1, 25));
    hub.close();
  });

  it('a backlog starting at the window edge needs no read; one chunk before it, one read', async () => {
    const store = new InMemoryLogStore();
    await registerExecution(store, ID);
    await appendChunks(store, 0, 3, 5);
    // The tail starts with the latest chunk (11..15) in its window.
    const hub = new TailHub(hubOptions(store));
    const atEdge = new RecordingSink();
    await hub.subscribe(ID, 10, atEdge);
    await until('the joiner at the edge', () => lastOf(atEdge) === 15);
    expect(store.calls.readChunks).toBe(0);
    const before = new RecordingSink();
    await hub.subscribe(ID, 9, before);
    await until('the joiner before the edge', () => lastOf(before) === 15);
    // One read for 6..10, which stopped at the window (no page past it).
    expect(store.calls.readChunks).toBe(1);
    expect(atEdge.indexes).toEqual(range(11, 15));
    expect(before.indexes).toEqual(range(10, 15));
    hub.close();
  });

  it.each([10, 200])(
    'a backlog before the window is paged once for %i concurrent joiners, and is exact for each',
    async (joiners) => {
      const store = new InMemoryLogStore({ latency: jitter(joiners, 3), pageItems: 4 });
      await registerExecution(store, ID);
      const last = await appendChunks(store, 0, 40, 5);
      const hub = new TailHub(hubOptions(store, { backlogFillEvents: 50 }));
      const sinks = Array.from({ length: joiners }, () => new RecordingSink());
      await Promise.all(sinks.map((sink) => hub.subscribe(ID, 0, sink)));
      await until('every joiner to catch up', () => sinks.every((sink) => lastOf(sink) === last));
      // 1..195 in reads of 50 events, the last one stopping at the window's 196..200: 4 reads whatever the wave.
      expect(store.calls.readChunks).toBe(4);
      for (const sink of sinks) {
        expect(sink.error).toBeUndefined();
        expect(sink.indexes).toEqual(range(1, last));
      }
      // The shared chunks reach every joiner as the same batch objects (one JSON frame each).
      expect(sinks.every((sink) => sink.batches.every((batch, i) => batch === sinks[0]?.batches[i]))).toBe(true);
      hub.close();
    },
  );

  it('subscribers joining during a publish (from inside a delivery) and during a catch-up miss nothing', async () => {
    const store = new InMemoryLogStore({ latency: jitter(7, 4), pageItems: 2 });
    await registerExecution(store, ID);
    const random = seededRandom(7);
    const hub = new TailHub(hubOptions(store, { windowEvents: 30, backlogFillEvents: 8 }));
    const joined: { from: number; sink: RecordingSink }[] = [];
    const join = (from: number): void => {
      const sink = new RecordingSink();
      joined.push({ from, sink });
      void hub.subscribe(ID, from, sink);
    };
    // A sink that makes another subscriber join while its own batch is being fanned out.
    class JoiningSink extends RecordingSink {
      override deliver(batch: EventBatch): void {
        super.deliver(batch);
        if (joined.length < 60) join(Math.floor(random() * batch.last));
      }
    }
    const first = new JoiningSink();
    joined.push({ from: 0, sink: first });
    await hub.subscribe(ID, 0, first);
    // Many chunks at once: the tail catches up over several pages while others join.
    let last = 0;
    for (let round = 0; round < 8; round++) {
      last = await appendChunks(store, last, 6, 3);
      join(Math.floor(random() * last));
      await until('the first subscriber to catch up', () => lastOf(first) === last);
    }
    await store.sealLog(ID, { status: 'SUCCEEDED', completedAt: 1, lastIndex: last, sealedAt: 2 }, 2e9);
    await Promise.all(joined.map(({ sink }) => sink.done));
    expect(joined.length).toBeGreaterThan(20);
    for (const { from, sink } of joined) {
      expect(sink.error).toBeUndefined();
      expect(sink.indexes).toEqual(range(from + 1, last));
      expect(sink.final).toEqual({ status: 'SUCCEEDED', lastIndex: last });
    }
    hub.close();
  });

  it('joiners of a sealed log share its backlog reads and end with the status', async () => {
    const store = new InMemoryLogStore({ pageItems: 4 });
    await registerExecution(store, ID);
    const last = await appendChunks(store, 0, 20, 5);
    await store.sealLog(ID, { status: 'FAILED', completedAt: 1, lastIndex: last, sealedAt: 2 }, 2e9);
    const hub = new TailHub(hubOptions(store, { backlogFillEvents: 1000 }));
    const sinks = Array.from({ length: 50 }, () => new RecordingSink());
    await Promise.all(sinks.map((sink) => hub.subscribe(ID, 0, sink)));
    await Promise.all(sinks.map((sink) => sink.done));
    expect(store.calls.readChunks).toBe(1);
    for (const sink of sinks) {
      expect(sink.indexes).toEqual(range(1, last));
      expect(sink.final).toEqual({ status: 'FAILED', lastIndex: last });
    }
    hub.close();
  });
});
