// The tails of pushed logs learn that their logs grew from the forwarders' tips (TipFeed) rather than by
// polling each log; tips are hints, so a failing, missing or lagging tip costs latency, never an event.
// The hubs here run on a clock the test holds (frozen unless a test moves it): the tail's trust in the tips,
// their staleness and the seal checks only change when the test says so. Waits are for states (`until`).
import pino from 'pino';
import type { ExecutionRecord } from '../../../src/domain';
import type { StoredChunk } from '../../../src/ports';
import type { TailHubOptions } from '../../../src/ws/tail-interfaces';
import { TailHub } from '../../../src/ws/tail-hub';
import { TipFeed, type TippedTail, type TipSource } from '../../../src/ws/tip-feed';
import { InMemoryPushRegistry } from '../../support/fake-push-registry';
import { InMemoryLogStore } from '../../support/fakes';
import { appendEvents, range, RecordingSink, registerExecution, until } from '../../support/tail-sinks';

const STREAM = 'logstream-log-events';
const T0 = 1_700_000_000_000;
const logger = pino({ level: 'silent' });
// Long enough that no tail of these tests reads the store because it stopped trusting the tips, unless the test
// moves the clock past it.
const TRUST_FOREVER = 3_600_000;

interface World {
  readonly store: InMemoryLogStore;
  readonly registry: InMemoryPushRegistry;
  readonly clock: { now: number };
  readonly hub: TailHub;
}

// Every hub and feed a test makes is closed after it, passed or failed: their loops would keep Jest running.
const closers: (() => void)[] = [];

interface WorldOptions {
  readonly hub?: Partial<TailHubOptions>;
  /** What stands between the hub and the registry's tips; by default nothing. */
  readonly source?: (read: () => Promise<ReadonlyMap<string, number>>) => TipSource;
  /** The feed reads next chunks and idle tails' records in batches (the store's `chunksAt`, `recordsOf`); default true. */
  readonly batch?: boolean;
}

/** A store, a push registry whose tips the hub reads, and the hub on the test's clock. */
function world(options: WorldOptions = {}): World {
  const source = options.source ?? ((read) => ({ readTips: read }));
  const clock = { now: T0 };
  const store = new InMemoryLogStore();
  const registry = new InMemoryPushRegistry();
  const hub = new TailHub({
    store,
    logger,
    pollMinMs: 2,
    pollMaxMs: 10,
    sealCheckMs: 10,
    tipTrustMs: TRUST_FOREVER,
    now: () => clock.now,
    tips: {
      source: source(() => registry.readTips(STREAM)),
      ...(options.batch === false ? {} : { chunks: store }),
    },
    ...options.hub,
  });
  closers.push(() => hub.close());
  return { store, registry, clock, hub };
}

async function registerPushed(store: InMemoryLogStore, executionId: string): Promise<void> {
  await store.registerExecution({
    executionId,
    location: { logGroup: 'g', logStreams: ['s'] },
    startedAt: 0,
    ingest: 'push',
  });
}

/** Publishes a shard's tips item as the forwarder does: it replaces what the shard published before. */
async function publishTips(w: World, shardId: string, tips: Iterable<[string, number]>): Promise<void> {
  await w.registry.putShardTips({ streamName: STREAM, shardId, tips: new Map(tips), updatedAt: w.clock.now });
}

/** Counts the tails' questions to the feed, per execution: each is one tick of that tail's loop. */
function countTipQuestions(): { of(executionId: string): number } {
  const spy = jest.spyOn(TipFeed.prototype, 'tipOf');
  return { of: (executionId) => spy.mock.calls.filter(([id]) => id === executionId).length };
}

/** Waits until the tail of `executionId` has ticked `ticks` more times than now. */
async function ticksOf(questions: { of(executionId: string): number }, executionId: string, ticks: number) {
  const from = questions.of(executionId);
  await until(`${ticks} ticks of the tail of ${executionId}`, () => questions.of(executionId) >= from + ticks);
}

const seal = (lastIndex: number) => ({ status: 'SUCCEEDED' as const, completedAt: 1, lastIndex, sealedAt: 2 });

/**
 * Waits until each tail of `executionIds` has ticked once (its first tick reads the store whatever the tips say)
 * and the feed has read the tips once: from then on, on a clock that stands still, a tail reads the store only
 * when the feed tells it its log grew past what the feed brought.
 */
async function started(
  w: World,
  questions: { of(executionId: string): number },
  executionIds: readonly string[],
): Promise<void> {
  for (const id of executionIds) await ticksOf(questions, id, 1);
  await until('a first read of the tips', () => w.registry.calls.readTips > 0);
}

/** Registers `executionId` as pushed and tails it from the start with one sink, once its tail and the feed started. */
async function tailPushed(
  w: World,
  questions: { of(executionId: string): number },
  executionId: string,
): Promise<RecordingSink> {
  await registerPushed(w.store, executionId);
  const sink = new RecordingSink();
  await w.hub.subscribe(executionId, 0, sink);
  await started(w, questions, [executionId]);
  return sink;
}

afterEach(() => {
  for (const close of closers.splice(0)) close();
  jest.restoreAllMocks();
});

describe('TailHub with tips', () => {
  it('feeds many pushed logs from the tips: every index once and in order, no store poll per chunk', async () => {
    const w = world();
    const questions = countTipQuestions();
    const ids = Array.from({ length: 6 }, (_, i) => `pushed-${i}`);
    // Two forwarders (shards), each publishing the tips of the logs it stores.
    const shardOf = (i: number): string => `shardId-00000000000${i % 2}`;
    for (const id of ids) await registerPushed(w.store, id);
    const sinks = new Map<string, RecordingSink[]>();
    for (const id of ids) {
      const both = [new RecordingSink(), new RecordingSink()];
      sinks.set(id, both);
      for (const sink of both) await w.hub.subscribe(id, 0, sink);
    }
    expect(w.hub.activeTailCount).toBe(ids.length);
    // One start read per tail; then each tail's first tick reads the store once (nothing trusted yet).
    await started(w, questions, ids);
    const pollsAtStart = w.store.calls.latestChunk;
    expect(pollsAtStart).toBeGreaterThanOrEqual(ids.length);
    expect(pollsAtStart).toBeLessThanOrEqual(2 * ids.length);

    const lastOf = new Map(ids.map((id) => [id, 0]));
    for (let round = 0; round < 8; round++) {
      for (const [i, id] of ids.entries()) {
        const count = 1 + ((round + i) % 3);
        const first = (lastOf.get(id) ?? 0) + 1;
        await appendEvents(w.store, id, first, count);
        lastOf.set(id, first + count - 1);
      }
      for (const shard of [0, 1]) {
        await publishTips(
          w,
          shardOf(shard),
          ids.filter((_, i) => i % 2 === shard).map((id) => [id, lastOf.get(id) ?? 0]),
        );
      }
      await until(`round ${round} delivered`, () =>
        ids.every((id) => (sinks.get(id) ?? []).every((sink) => sink.indexes.length === lastOf.get(id))),
      );
    }
    for (const id of ids) {
      for (const sink of sinks.get(id) ?? []) {
        expect(sink.error).toBeUndefined();
        expect(sink.indexes).toEqual(range(1, lastOf.get(id) ?? 0));
      }
    }
    // 48 chunks, no poll of the store for any of them: they came through the feed's batch reads.
    expect(w.store.calls.latestChunk).toBe(pollsAtStart);
    expect(w.store.calls.readChunks).toBe(0);
    expect(w.store.calls.chunksAt).toBeGreaterThan(0);
    expect(w.store.calls.chunksAt).toBeLessThanOrEqual(w.registry.calls.readTips);
  });

  it('a tip many chunks ahead: the feed brings four chunks in four batch reads, the tail reads the rest itself', async () => {
    // Once the feed has read a tip, its next read of the tips waits until the test lets it go: the chunks after the
    // ones it brought can only reach the tail through the tail's own read.
    let hold: Promise<void> | undefined;
    let letGo = (): void => undefined;
    const w = world({
      source: (read) => ({
        readTips: async () => {
          await hold;
          const tips = await read();
          if (tips.size > 0) hold ??= new Promise((resolve) => (letGo = resolve));
          return tips;
        },
      }),
    });
    closers.push(() => letGo());
    const questions = countTipQuestions();
    const sink = await tailPushed(w, questions, 'e');
    const polls = w.store.calls.latestChunk;
    await appendEvents(w.store, 'e', 1, 2);
    await appendEvents(w.store, 'e', 3, 3);
    for (const index of [6, 7, 8, 9]) await appendEvents(w.store, 'e', index, 1);
    // Stored, but no tip yet: the tail trusts the tips' "nothing new" and does not read the store.
    await ticksOf(questions, 'e', 3);
    expect(sink.indexes).toEqual([]);
    expect(w.store.calls.latestChunk).toBe(polls);
    await publishTips(w, 'shardId-000000000000', [['e', 9]]);
    await until('all nine events', () => sink.indexes.length >= 9);
    expect(sink.indexes).toEqual(range(1, 9));
    // Four chunks as the feed read them (one batch read each), the others as the tail read them when the feed woke it.
    expect(sink.batches.map((batch) => batch.events.map((event) => event.index))).toEqual([
      [1, 2],
      [3, 4, 5],
      [6],
      [7],
      [8],
      [9],
    ]);
    expect(w.store.calls.chunksAt).toBe(4);
    expect(w.store.calls.latestChunk).toBe(polls + 1);
    expect(w.store.calls.readChunks).toBe(1);
    expect(w.registry.calls.readTips).toBeGreaterThan(0);
  });

  it('a tail the feed leaves behind its tip reads the store at once, not at its next poll', async () => {
    // Timers the test runs by hand: the tail's polls back off to pollMaxMs, the feed keeps its pace.
    jest.useFakeTimers();
    try {
      const w = world({ hub: { pollMaxMs: 1000 } });
      await registerPushed(w.store, 'e');
      const sink = new RecordingSink();
      await w.hub.subscribe('e', 0, sink);
      await jest.advanceTimersByTimeAsync(5000);
      const polls = w.store.calls.latestChunk;
      // Six chunks: more than the feed's four batch reads of one round bring.
      for (let index = 1; index <= 6; index++) await appendEvents(w.store, 'e', index, 1);
      await publishTips(w, 'shardId-000000000000', [['e', 6]]);
      // One round of the feed (2 ms) and a moment: far less than the tail's poll interval (1 s by now).
      await jest.advanceTimersByTimeAsync(5);
      expect(sink.indexes).toEqual(range(1, 6));
      expect(w.store.calls.chunksAt).toBe(4);
      expect(w.store.calls.latestChunk).toBe(polls + 1);
    } finally {
      for (const close of closers.splice(0)) close();
      jest.useRealTimers();
    }
  });

  it('tips that cannot be read: the tails poll the store and miss nothing', async () => {
    const w = world();
    w.registry.failNext('readTips', 1_000_000);
    await registerPushed(w.store, 'a');
    await registerPushed(w.store, 'b');
    const a = new RecordingSink();
    const b = new RecordingSink();
    await w.hub.subscribe('a', 0, a);
    await w.hub.subscribe('b', 0, b);
    await until('two failed reads of the tips', () => w.registry.calls.readTips >= 2);
    for (let first = 1; first <= 10; first += 2) {
      await appendEvents(w.store, 'a', first, 2);
      await appendEvents(w.store, 'b', first, 2);
    }
    // Tips are published but cannot be read.
    await publishTips(w, 'shardId-000000000000', [
      ['a', 10],
      ['b', 10],
    ]);
    await until('both logs delivered', () => a.indexes.length >= 10 && b.indexes.length >= 10);
    expect(a.indexes).toEqual(range(1, 10));
    expect(b.indexes).toEqual(range(1, 10));
    expect(w.registry.calls.readTips).toBeGreaterThan(0);
    expect(w.store.calls.chunksAt).toBe(0);
    expect(w.store.calls.latestChunk).toBeGreaterThan(2);
  });

  it('a chunk stored without any tip is read once the tail stops trusting the tips (tipTrustMs)', async () => {
    const w = world({ hub: { tipTrustMs: 500 } });
    const questions = countTipQuestions();
    const sink = await tailPushed(w, questions, 'e');
    const polls = w.store.calls.latestChunk;
    // The forwarder stored it but its tips item never said so (a lost publication).
    await appendEvents(w.store, 'e', 1, 3);
    await ticksOf(questions, 'e', 5);
    expect(sink.indexes).toEqual([]);
    expect(w.store.calls.latestChunk).toBe(polls);
    // Past tipTrustMs (the tips are still fresh: the feed reads them every pollMinMs).
    w.clock.now += 501;
    await until('the chunk', () => sink.indexes.length >= 3);
    expect(sink.indexes).toEqual([1, 2, 3]);
    expect(w.store.calls.latestChunk).toBeGreaterThan(polls);
    expect(w.store.calls.chunksAt).toBe(0);
  });

  it.each([
    ['a record without ingest mode', undefined],
    ["a record with ingest 'poll'", 'poll' as const],
  ])('a polled log (%s) is polled as before, and the tips are never read', async (_name, ingest) => {
    const w = world({ hub: { now: Date.now } });
    if (ingest === undefined) await registerExecution(w.store, 'polled');
    else
      await w.store.registerExecution({
        executionId: 'polled',
        location: { logGroup: 'g', logStreams: ['s'] },
        startedAt: 0,
        ingest,
      });
    const sink = new RecordingSink();
    await w.hub.subscribe('polled', 0, sink);
    await appendEvents(w.store, 'polled', 1, 3);
    await until('the first chunk', () => sink.indexes.length >= 3);
    await appendEvents(w.store, 'polled', 4, 2);
    await w.store.sealLog('polled', seal(5), 2e9);
    await sink.done;
    expect(sink.error).toBeUndefined();
    expect(sink.indexes).toEqual(range(1, 5));
    expect(sink.final).toEqual({ status: 'SUCCEEDED', lastIndex: 5 });
    expect(w.registry.calls.readTips).toBe(0);
    expect(w.store.calls.chunksAt).toBe(0);
    expect(w.store.calls.latestChunk).toBeGreaterThan(1);
  });

  it.each([
    ['the feed reads the records of idle tails in one batch', true],
    ['without a batch reader, each tail reads its own record', false],
  ])(
    'the final status reaches the subscribers once the seal is written and its check is due (%s)',
    async (_name, batch) => {
      const w = world({ batch });
      const questions = countTipQuestions();
      // 'fed': its last chunk comes through the feed; 'untipped': its last chunk has no tip, the seal's read brings it.
      await registerPushed(w.store, 'fed');
      await registerPushed(w.store, 'untipped');
      const fed = new RecordingSink();
      const untipped = new RecordingSink();
      await w.hub.subscribe('fed', 0, fed);
      await w.hub.subscribe('untipped', 0, untipped);
      await started(w, questions, ['fed', 'untipped']);
      await appendEvents(w.store, 'fed', 1, 3);
      await appendEvents(w.store, 'untipped', 1, 3);
      await publishTips(w, 'shardId-000000000000', [
        ['fed', 3],
        ['untipped', 3],
      ]);
      await until('the first chunks', () => fed.indexes.length >= 3 && untipped.indexes.length >= 3);
      await appendEvents(w.store, 'fed', 4, 2);
      await appendEvents(w.store, 'untipped', 4, 2);
      await publishTips(w, 'shardId-000000000000', [
        ['fed', 5],
        ['untipped', 3],
      ]);
      await until("fed's last chunk", () => fed.indexes.length >= 5);
      const ownReads = w.store.calls.getExecution;
      const batchReads = w.store.calls.recordsOf;
      await w.store.sealLog('fed', seal(5), 2e9);
      await w.store.sealLog('untipped', seal(5), 2e9);
      // Sealed, but the clock has not moved: no seal check is due yet.
      await ticksOf(questions, 'fed', 3);
      await ticksOf(questions, 'untipped', 3);
      expect(fed.final).toBeUndefined();
      expect(untipped.final).toBeUndefined();
      expect(untipped.indexes).toEqual(range(1, 3));
      expect([w.store.calls.getExecution, w.store.calls.recordsOf]).toEqual([ownReads, batchReads]);
      w.clock.now += 11;
      await Promise.all([fed.done, untipped.done]);
      for (const sink of [fed, untipped]) {
        expect(sink.error).toBeUndefined();
        expect(sink.indexes).toEqual(range(1, 5));
        expect(sink.final).toEqual({ status: 'SUCCEEDED', lastIndex: 5 });
      }
      if (batch) {
        // One batch read of both records; the tails' own (rarer, every directoryCheckMs) reads were not due.
        expect(w.store.calls.recordsOf).toBeGreaterThan(batchReads);
        expect(w.store.calls.getExecution).toBe(ownReads);
      } else {
        expect(w.store.calls.recordsOf).toBe(0);
        expect(w.store.calls.getExecution).toBeGreaterThanOrEqual(ownReads + 2);
      }
      // A subscriber joining the finished tail gets the whole log and the status at once.
      const late = new RecordingSink();
      await w.hub.subscribe('fed', 2, late);
      await late.done;
      expect(late.indexes).toEqual(range(3, 5));
      expect(late.final).toEqual({ status: 'SUCCEEDED', lastIndex: 5 });
    },
  );

  it('while the feed cannot read the records, a tail reads its own seal, but only every directoryCheckMs', async () => {
    const w = world({ hub: { directoryCheckMs: 1000 } });
    const questions = countTipQuestions();
    w.store.failNext('recordsOf', 1_000_000);
    const sink = await tailPushed(w, questions, 'e');
    await appendEvents(w.store, 'e', 1, 2);
    await w.store.sealLog('e', seal(2), 2e9);
    const ownReads = w.store.calls.getExecution;
    // Past sealCheckMs: the feed tries the records (and fails); the tail does not look by itself yet.
    w.clock.now += 11;
    await until('a failed batch read of the records', () => w.store.calls.recordsOf > 0);
    await ticksOf(questions, 'e', 3);
    expect(sink.final).toBeUndefined();
    expect(w.store.calls.getExecution).toBe(ownReads);
    w.clock.now += 1000;
    await sink.done;
    expect(sink.indexes).toEqual([1, 2]);
    expect(sink.final).toEqual({ status: 'SUCCEEDED', lastIndex: 2 });
    expect(w.store.calls.getExecution).toBeGreaterThan(ownReads);
  });
});

describe('TipFeed', () => {
  /** A tail the test moves by hand, recording what the feed offers it. */
  function tailAt(executionId: string, position: number, tipped = true, idleMs = 0) {
    const offers: { chunk: StoredChunk | undefined; tip: number }[] = [];
    const records: (ExecutionRecord | undefined)[] = [];
    const tail: TippedTail & {
      position: number;
      tipped: boolean;
      idleMs: number;
      offers: typeof offers;
      records: typeof records;
    } = {
      executionId,
      position,
      tipped,
      idleMs,
      offers,
      records,
      // Like a tail: a chunk right after the position moves it.
      offer: (chunk, tip) => {
        offers.push({ chunk, tip });
        if (chunk !== undefined && chunk.seq === tail.position + 1) tail.position = chunk.last;
      },
      offerRecord: (record) => void records.push(record),
    };
    return tail;
  }

  // Seal checks of the feed's own, for the tests that are not about them: never due.
  const NO_SEAL_CHECKS = Number.MAX_SAFE_INTEGER;

  /** A tips source backed by a map, which fails while `failing` holds. */
  function mapSource(tips: Map<string, number>) {
    const source = {
      reads: 0,
      failing: false,
      readTips: async (): Promise<ReadonlyMap<string, number>> => {
        source.reads++;
        if (source.failing) throw new Error('tips unavailable');
        return new Map(tips);
      },
    };
    return source;
  }

  it('a failed read of the tips stops the trust at once, until a read succeeds again', async () => {
    const source = mapSource(new Map([['a', 5]]));
    const tail = tailAt('a', 5);
    const feed = new TipFeed({ source, everyMs: 2, sealCheckMs: NO_SEAL_CHECKS, logger, now: () => T0 }, () => [tail]);
    closers.push(() => feed.close());
    expect(feed.tipOf('a')).toBeUndefined();
    feed.wake();
    await until('a first read', () => feed.tipOf('a') !== undefined);
    expect(feed.tipOf('a')).toBe(5);
    // A log the forwarders did not append to lately has tip 0 ("nothing new").
    expect(feed.tipOf('other')).toBe(0);
    source.failing = true;
    const reads = source.reads;
    await until('a failed read', () => source.reads >= reads + 1 && feed.tipOf('a') === undefined);
    expect(feed.tipOf('other')).toBeUndefined();
    source.failing = false;
    await until('a good read again', () => feed.tipOf('a') !== undefined);
    expect(feed.tipOf('a')).toBe(5);
    feed.close();
  });

  it('trusts the last read of the tips for staleMs while the next one does not answer', async () => {
    const clock = { now: T0 };
    let answered = 0;
    // The first read answers; every later one hangs (a feed stuck on its store).
    const source = {
      readTips: (): Promise<ReadonlyMap<string, number>> =>
        answered++ === 0 ? Promise.resolve(new Map([['a', 5]])) : new Promise(() => undefined),
    };
    const tail = tailAt('a', 5);
    const feed = new TipFeed(
      { source, everyMs: 2, sealCheckMs: NO_SEAL_CHECKS, staleMs: 1000, logger, now: () => clock.now },
      () => [tail],
    );
    closers.push(() => feed.close());
    feed.wake();
    await until('a first read, then one that hangs', () => feed.tipOf('a') !== undefined && answered >= 2);
    clock.now += 1000;
    expect(feed.tipOf('a')).toBe(5);
    clock.now += 1;
    expect(feed.tipOf('a')).toBeUndefined();
    feed.close();
  });

  it('offers each tail behind its tip the chunk after its position, read in one batch; tails at their tip get nothing', async () => {
    const store = new InMemoryLogStore();
    await appendEvents(store, 'behind', 1, 2);
    await appendEvents(store, 'behind', 3, 2);
    await appendEvents(store, 'gap', 1, 1);
    await appendEvents(store, 'level', 1, 1);
    const source = mapSource(
      new Map([
        ['behind', 4],
        ['gap', 9],
        ['level', 1],
        ['untipped', 7],
      ]),
    );
    // 'gap' is told of index 9 but its next chunk is not readable (yet): it is offered no chunk, only the tip.
    const tails = [tailAt('behind', 2), tailAt('gap', 1), tailAt('level', 1), tailAt('untipped', 0, false)];
    const feed = new TipFeed(
      { source, chunks: store, everyMs: 2, sealCheckMs: NO_SEAL_CHECKS, logger, now: () => T0 },
      () => tails,
    );
    closers.push(() => feed.close());
    feed.wake();
    await until('the offers', () => (tails[0]?.offers.length ?? 0) > 0 && (tails[1]?.offers.length ?? 0) > 0);
    feed.close();
    const [behind, gap, level, untipped] = tails;
    expect(behind?.offers[0]?.tip).toBe(4);
    expect(behind?.offers[0]?.chunk).toMatchObject({ seq: 3, last: 4 });
    expect(gap?.offers[0]).toEqual({ chunk: undefined, tip: 9 });
    expect(level?.offers).toEqual([]);
    expect(untipped?.offers).toEqual([]);
    // One batch read per round of the tips, for the two tails behind.
    expect(store.calls.chunksAt).toBe(source.reads);
    expect(store.calls.latestChunk + store.calls.readChunks).toBe(0);
  });

  it('without a batch reader, or when the batch read fails, tails behind are offered the tip alone', async () => {
    const store = new InMemoryLogStore();
    await appendEvents(store, 'e', 1, 2);
    store.failNext('chunksAt', 1_000_000);
    for (const chunks of [undefined, store]) {
      const tail = tailAt('e', 0);
      const feed = new TipFeed(
        {
          source: mapSource(new Map([['e', 2]])),
          chunks,
          everyMs: 2,
          sealCheckMs: NO_SEAL_CHECKS,
          logger,
          now: () => T0,
        },
        () => [tail],
      );
      closers.push(() => feed.close());
      feed.wake();
      await until('an offer', () => tail.offers.length > 0);
      feed.close();
      expect(tail.offers[0]).toEqual({ chunk: undefined, tip: 2 });
    }
    expect(store.calls.chunksAt).toBeGreaterThan(0);
  });

  it('reads the tips only while some tail is tipped, and starts again when woken', async () => {
    const source = mapSource(new Map());
    const tail = tailAt('e', 0);
    const feed = new TipFeed({ source, everyMs: 2, sealCheckMs: NO_SEAL_CHECKS, logger, now: () => T0 }, () => [tail]);
    closers.push(() => feed.close());
    feed.wake();
    await until('some reads', () => source.reads >= 3);
    // The tail ends (sealed, or its last subscriber left): the loop stops at its next tick.
    tail.tipped = false;
    const stopped = source.reads;
    const second = mapSource(new Map());
    const tail2 = tailAt('f', 0);
    const other = new TipFeed(
      { source: second, everyMs: 2, sealCheckMs: NO_SEAL_CHECKS, logger, now: () => T0 },
      () => [tail2],
    );
    closers.push(() => other.close());
    other.wake();
    // Another feed's reads are the clock: the stopped loop has had many intervals to read again.
    await until('the other feed to read 20 times', () => second.reads >= 20);
    // The tick after the change saw no tipped tail and stopped without reading.
    expect(source.reads).toBe(stopped);
    tail.tipped = true;
    const before = source.reads;
    feed.wake();
    await until('reads after the wake', () => source.reads >= before + 2);
    feed.close();
    other.close();
  });

  it('publishes the tailed executions as watched, a minute at a time, renewed when half over; a failure is tried again', async () => {
    const clock = { now: T0 };
    const watches: { ids: string[]; untilMs: number }[] = [];
    let failures = 1;
    const source: TipSource & { reads: number } = {
      reads: 0,
      readTips: async () => {
        source.reads++;
        return new Map();
      },
      watch: async (ids, untilMs) => {
        if (failures-- > 0) throw new Error('table unreachable');
        watches.push({ ids: [...ids], untilMs });
      },
    };
    const tails = [tailAt('e', 0), tailAt('f', 0)];
    const feed = new TipFeed(
      { source, everyMs: 2, sealCheckMs: NO_SEAL_CHECKS, logger, now: () => clock.now },
      () => tails,
    );
    closers.push(() => feed.close());
    feed.wake();
    await until('the watches published after a failure', () => watches.length >= 1);
    expect(watches[0]).toEqual({ ids: ['e', 'f'], untilMs: T0 + 60_000 });
    const reads = source.reads;
    await until('more reads of the tips', () => source.reads >= reads + 10);
    // Still within their first half: not published again.
    expect(watches).toHaveLength(1);
    clock.now = T0 + 31_000;
    await until('the watches renewed', () => watches.length >= 2);
    expect(watches[1]).toEqual({ ids: ['e', 'f'], untilMs: T0 + 91_000 });
    feed.close();
  });

  it('reads the records of the tails idle for sealCheckMs in one batch, every sealCheckMs, and offers them', async () => {
    const clock = { now: T0 };
    const store = new InMemoryLogStore();
    for (const id of ['idle-sealed', 'idle-open', 'busy']) await registerPushed(store, id);
    await store.sealLog('idle-sealed', seal(0), 2e9);
    const tails = [tailAt('idle-sealed', 0, true, 10), tailAt('idle-open', 0, true, 50), tailAt('busy', 0, true, 9)];
    const source = mapSource(new Map());
    const feed = new TipFeed(
      { source, chunks: store, everyMs: 2, sealCheckMs: 10, logger, now: () => clock.now },
      () => tails,
    );
    closers.push(() => feed.close());
    feed.wake();
    await until('the first records', () => (tails[0]?.records.length ?? 0) > 0);
    const [sealed, open, busy] = tails;
    expect(sealed?.records[0]?.seal).toMatchObject({ status: 'SUCCEEDED', lastIndex: 0 });
    expect(open?.records).toHaveLength(1);
    expect(open?.records[0]?.seal).toBeUndefined();
    // Published within sealCheckMs: not worth a look at its seal.
    expect(busy?.records).toEqual([]);
    expect(store.calls.recordsOf).toBe(1);
    expect(store.calls.getExecution).toBe(0);
    // Not again before sealCheckMs has passed, however many rounds of the tips.
    const reads = source.reads;
    await until('ten more reads of the tips', () => source.reads >= reads + 10);
    expect(store.calls.recordsOf).toBe(1);
    clock.now += 10;
    await until('the next records', () => store.calls.recordsOf >= 2);
    expect(open?.records).toHaveLength(2);
  });

  it('without a batch reader, leaves the seals to the tails', async () => {
    const source = mapSource(new Map());
    const tail = tailAt('e', 0, true, 1_000_000);
    const feed = new TipFeed({ source, everyMs: 2, sealCheckMs: 0, logger, now: () => T0 }, () => [tail]);
    closers.push(() => feed.close());
    expect(feed.checksSeals).toBe(false);
    feed.wake();
    await until('some reads of the tips', () => source.reads >= 5);
    expect(tail.records).toEqual([]);
  });
});
