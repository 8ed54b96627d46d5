// The shared tail's join protocol against an in-memory store with random latency: many subscribers
// joining at random moments while chunks are appended must each get exactly their events once.
import pino from 'pino';
import { initialCursor, type ExecutionInfo, type IndexedEvent } from '../../../src/domain';
import type { EventBatch } from '../../../src/ws/event-batch';
import type { TailHubOptions, TailSink } from '../../../src/ws/tail-interfaces';
import { TailHub } from '../../../src/ws/tail-hub';
import type { ExecutionDirectory } from '../../../src/ports';
import { InMemoryLogStore, jitter, seededRandom } from '../../support/fakes';
import {
  appendEvents,
  HeldSink,
  pause,
  range,
  RecordingSink,
  registerExecution,
  until,
} from '../../support/tail-sinks';

const ID = 'hub-test';
// Debug level into a counter: the join tests assert that the queue-overflow path was taken.
let overflows = 0;
const logger = pino(
  { level: 'debug' },
  {
    write: (line: string) => {
      if (line.includes('queued too much')) overflows++;
    },
  },
);
const cursor = initialCursor(['s']);

function hubOptions(store: InMemoryLogStore, extra: Partial<TailHubOptions> = {}): TailHubOptions {
  return { store, logger, pollMinMs: 2, pollMaxMs: 10, sealCheckMs: 10, ...extra };
}

const append = (store: InMemoryLogStore, first: number, count: number): Promise<void> =>
  appendEvents(store, ID, first, count);
const register = (store: InMemoryLogStore): Promise<void> => registerExecution(store, ID);

describe('TailHub', () => {
  beforeEach(() => {
    overflows = 0;
  });

  // The default window holds the whole log; a window of 12 events makes most backlogs page the store,
  // shared between subscribers, while the tail's publishing evicts what they read.
  it.each([
    [1, 20_000],
    [2, 20_000],
    [3, 20_000],
    [4, 12],
    [5, 12],
  ])(
    'delivers every event once, in order, to subscribers joining at random moments (seed %i, window %i events)',
    async (seed, windowEvents) => {
      const store = new InMemoryLogStore({ latency: jitter(seed, 4), pageItems: 3 });
      await register(store);
      const random = seededRandom(seed);
      // A small queue limit also drives catching-up subscribers through the overflow path.
      const hub = new TailHub(hubOptions(store, { maxPendingEvents: 15, windowEvents, backlogFillEvents: 10 }));
      const sinks: { sink: RecordingSink; from: number }[] = [];
      // One subscriber is held in its backlog while the rest of the job's events arrive: it must overflow.
      const held = new HeldSink();
      let next = 1;
      for (let round = 0; round < 60; round++) {
        const count = 1 + Math.floor(random() * 8);
        await append(store, next, count);
        next += count;
        if (round === 10) {
          sinks.push({ sink: held, from: 0 });
          await hub.subscribe(ID, 0, held);
        } else if (round % 5 === 0) {
          const from = Math.floor(random() * next);
          const sink = new RecordingSink(random() < 0.3 ? 3 : 0);
          sinks.push({ sink, from });
          await hub.subscribe(ID, from, sink);
        }
        await pause(random() * 4);
      }
      const last = next - 1;
      await until('a catching-up subscriber to overflow', () => overflows > 0);
      held.letGo();
      await store.sealLog(ID, { status: 'SUCCEEDED', completedAt: 1, lastIndex: last, sealedAt: 2 }, 2e9);
      const late = new RecordingSink();
      sinks.push({ sink: late, from: 17 });
      await hub.subscribe(ID, 17, late);
      await Promise.all(sinks.map(({ sink }) => sink.done));
      expect(overflows).toBeGreaterThan(0);
      for (const { sink, from } of sinks) {
        expect(sink.error).toBeUndefined();
        expect(sink.indexes).toEqual(range(from + 1, last));
        expect(sink.final).toEqual({ status: 'SUCCEEDED', lastIndex: last });
      }
      hub.close();
    },
  );

  it('runs one poll loop per execution and stops it after the last subscriber leaves', async () => {
    const store = new InMemoryLogStore();
    await register(store);
    await append(store, 1, 5);
    // A second execution with one subscriber is the clock: its loop polls at the same pace as one loop of ID.
    const CLOCK = 'hub-clock';
    await store.registerExecution({ executionId: CLOCK, location: { logGroup: 'g', logStreams: ['s'] }, startedAt: 0 });
    const polls = new Map<string, number>();
    const latestChunk = store.latestChunk.bind(store);
    store.latestChunk = (executionId) => {
      polls.set(executionId, (polls.get(executionId) ?? 0) + 1);
      return latestChunk(executionId);
    };
    const pollsOf = (executionId: string): number => polls.get(executionId) ?? 0;
    const active = { count: 0, inc: () => active.count++, dec: () => active.count-- };
    const hub = new TailHub(hubOptions(store, { activeTails: active }));
    const clock = await hub.subscribe(CLOCK, 0, new RecordingSink());
    const subscriptions = await Promise.all(
      Array.from({ length: 50 }, () => hub.subscribe(ID, 0, new RecordingSink())),
    );
    expect(hub.activeTailCount).toBe(2);
    expect(active.count).toBe(2);
    await until('the clock loop to poll 20 times', () => pollsOf(CLOCK) >= 20);
    // 50 subscribers, one loop: about as many polls as the clock's single subscriber, not 50 times as many.
    expect(pollsOf(ID)).toBeLessThanOrEqual(2 * pollsOf(CLOCK) + 5);
    // The 50 backlogs (1..5) came from the chunk the tail read at its start: no subscriber paged the store.
    expect(store.calls.readChunks).toBe(0);
    for (const subscription of subscriptions) subscription.close();
    expect(hub.activeTailCount).toBe(1);
    expect(active.count).toBe(1);
    const after = pollsOf(ID);
    const clockAfter = pollsOf(CLOCK);
    await until('the clock loop to poll 20 more times', () => pollsOf(CLOCK) >= clockAfter + 20);
    // At most a poll already under way when the last subscriber left.
    expect(pollsOf(ID) - after).toBeLessThanOrEqual(1);
    clock.close();
    expect(hub.activeTailCount).toBe(0);
    hub.close();
  });

  it('hands the same batch object (and frame) to every live subscriber', async () => {
    const store = new InMemoryLogStore();
    await register(store);
    const hub = new TailHub(hubOptions(store));
    const seen: EventBatch[][] = [[], []];
    const sink = (i: number): TailSink => ({
      deliver: (batch) => seen[i]?.push(batch),
      drained: () => Promise.resolve(),
      finish: () => undefined,
      fail: () => undefined,
    });
    const a = await hub.subscribe(ID, 0, sink(0));
    const b = await hub.subscribe(ID, 0, sink(1));
    await append(store, 1, 3);
    while ((seen[1]?.length ?? 0) === 0) await pause(5);
    expect(seen[0]?.[0]).toBe(seen[1]?.[0]);
    expect(seen[0]?.[0]?.message()).toBe(
      JSON.stringify({
        type: 'events',
        // Chunks written without streams read as the log's only stream (the cursor's `s`).
        events: [1, 2, 3].map((i): IndexedEvent => ({ index: i, timestamp: 1000 + i, stream: 's', message: `m${i}` })),
      }),
    );
    a.close();
    b.close();
  });

  it('fails subscribers with LOG_GAP when the store skips an index', async () => {
    const store = new InMemoryLogStore();
    await register(store);
    await append(store, 1, 2);
    await append(store, 3, 2);
    store.deleteChunk(ID, 3);
    const hub = new TailHub(hubOptions(store));
    const sink = new RecordingSink();
    await hub.subscribe(ID, 0, sink);
    await append(store, 5, 1);
    await sink.done;
    expect(sink.error?.code).toBe('LOG_GAP');
    expect(sink.indexes).toEqual([1, 2]);
    hub.close();
  });

  /** A directory that describes the execution as `info` says, counting its calls. */
  function directoryOf(info: () => Promise<Partial<ExecutionInfo>>): ExecutionDirectory & { calls: number } {
    const directory = {
      calls: 0,
      describe: async (executionId: string): Promise<ExecutionInfo> => {
        directory.calls++;
        return { executionId, status: 'STOPPED', open: false, startedAt: 0, ...(await info()) };
      },
      start: () => Promise.reject(new Error('unused')),
      list: () => Promise.reject(new Error('unused')),
      complete: () => Promise.reject(new Error('unused')),
      stop: () => Promise.reject(new Error('unused')),
      ping: () => Promise.resolve(),
    };
    return directory;
  }

  it.each([
    ['just now', 0],
    ['an hour ago', 3_600_000],
  ])(
    'a workflow gone without a seal (completed %s) fails its tails with LOG_NOT_SEALED, never a status',
    async (_name, age) => {
      const completedAt = Date.now() - age;
      const store = new InMemoryLogStore();
      await register(store);
      const events = [1, 2, 3].map((i) => ({ timestamp: completedAt - 10, message: `m${i}` }));
      await store.appendChunk(ID, { seq: 1, last: 3, events, cursor });
      const directory = directoryOf(async () => ({ status: 'STOPPED', open: false, completedAt }));
      const hub = new TailHub(hubOptions(store, { directory, directoryCheckMs: 20 }));
      const sink = new RecordingSink();
      await hub.subscribe(ID, 0, sink);
      await sink.done;
      expect(sink.indexes).toEqual([1, 2, 3]);
      expect(sink.final).toBeUndefined();
      expect(sink.error?.code).toBe('LOG_NOT_SEALED');
      hub.close();
    },
  );

  it('a completed execution whose drain still runs is tailed until its seal', async () => {
    const store = new InMemoryLogStore();
    await register(store);
    await append(store, 1, 3);
    const directory = directoryOf(async () => ({ status: 'SUCCEEDED', open: true, completedAt: Date.now() }));
    const hub = new TailHub(hubOptions(store, { directory, directoryCheckMs: 5 }));
    const sink = new RecordingSink();
    await hub.subscribe(ID, 0, sink);
    // Asked several times whether the workflow is gone, and told it is draining: no verdict yet.
    for (let polls = 0; directory.calls < 3; polls++) {
      if (polls > 10_000) throw new Error('the hub never asked the directory');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(sink.final).toBeUndefined();
    expect(sink.error).toBeUndefined();
    await append(store, 4, 1);
    await store.sealLog(ID, { status: 'SUCCEEDED', completedAt: 1, lastIndex: 4, sealedAt: 2 }, 2e9);
    await sink.done;
    expect(sink.indexes).toEqual([1, 2, 3, 4]);
    expect(sink.final).toEqual({ status: 'SUCCEEDED', lastIndex: 4 });
    hub.close();
  });

  it('a workflow that closed right after its seal ends the tail with the seal', async () => {
    const store = new InMemoryLogStore();
    await register(store);
    await append(store, 1, 2);
    // The seal lands between the hub's seal check and its question to the directory.
    const directory = directoryOf(async () => {
      await store.sealLog(ID, { status: 'FAILED', completedAt: 1, lastIndex: 2, sealedAt: 2 }, 2e9);
      return { status: 'FAILED', open: false };
    });
    const hub = new TailHub(hubOptions(store, { directory, directoryCheckMs: 0 }));
    const sink = new RecordingSink();
    await hub.subscribe(ID, 0, sink);
    await sink.done;
    expect(sink.error).toBeUndefined();
    expect(sink.final).toEqual({ status: 'FAILED', lastIndex: 2 });
    hub.close();
  });

  it('keeps tailing through store failures without losing events', async () => {
    const store = new InMemoryLogStore();
    await register(store);
    const hub = new TailHub(hubOptions(store));
    const sink = new RecordingSink();
    await hub.subscribe(ID, 0, sink);
    store.failNext('latestChunk', 3);
    await append(store, 1, 4);
    store.failNext('readChunks', 1);
    await append(store, 5, 4);
    await append(store, 9, 2);
    await store.sealLog(ID, { status: 'FAILED', completedAt: 1, lastIndex: 10, sealedAt: 2 }, 2e9);
    await sink.done;
    expect(sink.error).toBeUndefined();
    expect(sink.indexes).toEqual(range(1, 10));
    expect(sink.final).toEqual({ status: 'FAILED', lastIndex: 10 });
    hub.close();
  });
});
