import { MockActivityEnvironment } from '@temporalio/testing';
import { drainAndSeal, type DrainDeps, type DrainInput } from '../../../../activities/shared/drain-and-seal';
import type { Completion, LogLocation, LogSeal, SourceCursor } from '../../../../src/domain';
import type { LogSource, SourceBatch } from '../../../../src/ports';
import { awsError, InMemoryLogSource, InMemoryLogStore, seededRandom } from '../../../support/fakes';

// The drain runs on a virtual clock: its waits are recorded and advance the clock, so these tests
// check the waits it chooses, never wall time.

const GROUP = '/g';
const ID = 'e1';
const T0 = 1_700_000_000_000;
const location: LogLocation = { logGroup: GROUP, logStreams: ['s'] };
const PACING = { maxCallsPerSecond: 5, minCallsPerSecond: 0.25, backoffBaseMs: 250, backoffMaxMs: 30_000 };

interface Clock {
  now: number;
  /** Every wait the drain chose (the sum of the sleeps between two source calls). */
  readonly waits: number[];
  /** Runs `action` once the clock has reached `at` (checked after every sleep). */
  at(at: number, action: () => void): void;
  /** Total time slept. */
  slept(): number;
  /** Marks a source call: the sleeps before it form one wait. */
  call(): Promise<void>;
  sleep(ms: number): Promise<void>;
}

function virtualClock(): Clock {
  const pending: { at: number; action: () => void }[] = [];
  let current = 0;
  const clock: Clock = {
    now: T0,
    waits: [],
    slept: () => clock.now - T0,
    at: (at, action) => void pending.push({ at, action }),
    call: async () => {
      if (current > 0) clock.waits.push(current);
      current = 0;
    },
    sleep: async (ms) => {
      current += ms;
      clock.now += ms;
      for (const item of pending.splice(0)) {
        if (item.at <= clock.now) item.action();
        else pending.push(item);
      }
    },
  };
  return clock;
}

async function setup(options: { source?: LogSource; cloudwatch?: InMemoryLogSource } = {}) {
  const clock = virtualClock();
  const store = new InMemoryLogStore({ now: () => clock.now });
  // The seal never creates a record: the ingest activity (or the drain's wrapper) registers it.
  await store.registerExecution({ executionId: ID, location, startedAt: 0 });
  const cloudwatch = options.cloudwatch ?? new InMemoryLogSource({ now: () => clock.now, latency: clock.call });
  const deps: DrainDeps = {
    store,
    source: options.source ?? cloudwatch,
    pollMs: 100,
    ttlSeconds: 60,
    readPacing: { ...PACING, random: seededRandom(7) },
    sleep: clock.sleep,
    now: () => clock.now,
  };
  const drain = (completion: Partial<Completion> = {}, settleMs = 0): Promise<LogSeal> =>
    new MockActivityEnvironment().run(drainAndSeal, deps, {
      executionId: ID,
      location,
      completion: { status: 'SUCCEEDED', completedAt: clock.now - 60_000, ...completion },
      settleMs,
    } satisfies DrainInput);
  return { clock, store, cloudwatch, drain };
}

function messages(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `line ${from + i}`);
}

async function stored(store: InMemoryLogStore): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of store.readChunks(ID, 1)) out.push(...chunk.events.map((e) => e.message));
  return out;
}

/** Calls made beyond what the time slept allows at `maxCallsPerSecond` (a first read of up to 10 pages is free). */
function callsOverPace(calls: number, sleptMs: number): number {
  const allowed = 10 + (sleptMs / 1000) * PACING.maxCallsPerSecond;
  return Math.max(0, calls - allowed);
}

/** A source whose first reads come back empty and not at the end (page budget spent on empty pages). */
function slowToEndSource(emptyReads: number, lines: string[]): LogSource & { reads: number } {
  const source = {
    reads: 0,
    async readAfter(_location: LogLocation, cursor: SourceCursor): Promise<SourceBatch> {
      source.reads++;
      const done = (cursor.streams.s?.token ?? '') === 'end';
      if (source.reads <= emptyReads) return { events: [], cursor, calls: 10, exhausted: false };
      if (done) return { events: [], cursor, calls: 1, exhausted: true };
      const events = lines.map((message, i) => ({
        stream: 's',
        timestamp: 1000 + i,
        message,
        after: i === lines.length - 1 ? { token: 'end', skip: 0 } : { skip: i + 1 },
      }));
      return { events, cursor: { streams: { s: { token: 'end', skip: 0 } } }, calls: 1, exhausted: false };
    },
    createStream: async () => undefined,
    putEvents: async () => undefined,
    ping: async () => undefined,
  };
  return source;
}

/** Virtual time for several activities at once: when every one of them waits, the clock jumps to the earliest wake-up. */
function scheduler() {
  let now = T0;
  const sleepers: { at: number; wake: () => void }[] = [];
  return {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((wake) => sleepers.push({ at: now + ms, wake })),
    async runUntil(done: () => boolean): Promise<void> {
      while (!done()) {
        // The fakes answer without real I/O: after a macrotask turn every activity is done or asleep.
        await new Promise((resolve) => setImmediate(resolve));
        sleepers.sort((a, b) => a.at - b.at);
        const next = sleepers.shift();
        if (next) {
          now = Math.max(now, next.at);
          next.wake();
        }
      }
    },
  };
}

describe('drainAndSeal', () => {
  it('three drains sharing a 5 calls/s read quota all seal exact, pacing themselves so most calls are served', async () => {
    const time = scheduler();
    const cloudwatch = new InMemoryLogSource({ pageSize: 50, getLogEventsPerSecond: 5, now: time.now });
    const store = new InMemoryLogStore({ now: time.now });
    const ids = ['d1', 'd2', 'd3'];
    const results: LogSeal[] = [];
    const drains = ids.map(async (id, n) => {
      const streamLocation: LogLocation = { logGroup: GROUP, logStreams: [id] };
      cloudwatch.append(GROUP, id, messages(1, 400), T0 - 120_000);
      await store.registerExecution({ executionId: id, location: streamLocation, startedAt: 0 });
      const deps: DrainDeps = {
        store,
        source: cloudwatch,
        pollMs: 100,
        ttlSeconds: 60,
        readPacing: { ...PACING, random: seededRandom(n + 1) },
        sleep: time.sleep,
        now: time.now,
      };
      const input: DrainInput = {
        executionId: id,
        location: streamLocation,
        completion: { status: 'SUCCEEDED', completedAt: T0 - 60_000 },
        settleMs: 0,
      };
      results.push((await new MockActivityEnvironment().run(drainAndSeal, deps, input)) as LogSeal);
    });
    await time.runUntil(() => results.length === ids.length);
    await Promise.all(drains);
    for (const id of ids) {
      expect((await store.getExecution(id))?.seal?.lastIndex).toBe(400);
      const events: string[] = [];
      for await (const chunk of store.readChunks(id, 1)) events.push(...chunk.events.map((e) => e.message));
      expect(events).toEqual(messages(1, 400));
    }
    const served = cloudwatch.calls.GetLogEvents - cloudwatch.throttledReads;
    expect(cloudwatch.throttledReads).toBeLessThan(served);
  });

  it('waits between reads that end before the stream does, and seals only after reaching its end', async () => {
    const source = slowToEndSource(3, ['a', 'b', 'c']);
    const { clock, store, drain } = await setup({ source });
    const seal = await drain();
    expect(seal).toMatchObject({ status: 'SUCCEEDED', lastIndex: 3 });
    expect(await stored(store)).toEqual(['a', 'b', 'c']);
    expect((await store.getExecution(ID))?.seal?.lastIndex).toBe(3);
    // Each empty read of 10 calls is followed by at least 10 calls' worth of waiting at 5 calls/s.
    expect(clock.slept()).toBeGreaterThanOrEqual(3 * 2000);
  });

  it('reaches the seal under empty pages before the end, exact, every read paced', async () => {
    const { clock, store, cloudwatch, drain } = await setup({
      cloudwatch: new InMemoryLogSource({ pageSize: 3, emptyPageEvery: 2 }),
    });
    cloudwatch.append(GROUP, 's', messages(1, 40), T0 - 120_000);
    const seal = await drain();
    expect(seal.lastIndex).toBe(40);
    expect(await stored(store)).toEqual(messages(1, 40));
    expect(callsOverPace(cloudwatch.calls.GetLogEvents, clock.slept())).toBe(0);
  });

  it('the settle window starts at the later of the completion and the last write', async () => {
    const { clock, store, cloudwatch, drain } = await setup();
    cloudwatch.append(GROUP, 's', messages(1, 5), T0 - 1000);
    // The runner flushed its last lines well after the exit; they surface inside the window after that write.
    const lastWriteAt = T0 + 5000;
    clock.at(lastWriteAt + 500, () => cloudwatch.append(GROUP, 's', messages(6, 2), lastWriteAt));
    const seal = await drain({ completedAt: T0 - 60_000, lastWriteAt }, 1000);
    expect(seal.lastIndex).toBe(7);
    expect(await stored(store)).toEqual(messages(1, 7));
    expect(clock.now).toBeGreaterThanOrEqual(lastWriteAt + 1000);
  });

  it('waits for events that become visible only after an ingestion delay', async () => {
    const clock0 = { now: T0 };
    const cloudwatch = new InMemoryLogSource({ ingestionDelayMs: 1500, now: () => clock0.now });
    const { clock, store, drain } = await setup({ cloudwatch });
    // The source reads the drain's clock from here on.
    Object.defineProperty(clock0, 'now', { get: () => clock.now });
    cloudwatch.append(GROUP, 's', messages(1, 9), T0);
    const seal = await drain({ completedAt: T0 }, 2000);
    expect(seal.lastIndex).toBe(9);
    expect(await stored(store)).toEqual(messages(1, 9));
  });

  it('waits out throttling with growing, jittered back-off inside the activity, then seals exact', async () => {
    const { clock, store, cloudwatch, drain } = await setup();
    cloudwatch.append(GROUP, 's', messages(1, 20), T0 - 120_000);
    cloudwatch.failNext(4, { error: () => awsError('ThrottlingException') });
    const seal = await drain();
    expect(seal.lastIndex).toBe(20);
    expect(await stored(store)).toEqual(messages(1, 20));
    const afterThrottles = clock.waits.slice(0, 4);
    for (let i = 1; i < afterThrottles.length; i++) {
      expect(afterThrottles[i]).toBeGreaterThan(afterThrottles[i - 1] ?? 0);
    }
    expect(afterThrottles[0]).toBeGreaterThanOrEqual(PACING.backoffBaseMs / 2);
    expect(cloudwatch.calls.GetLogEvents).toBeGreaterThan(4);
  });

  it('retries transient CloudWatch and DynamoDB failures inside the activity, seal included', async () => {
    const { store, cloudwatch, drain } = await setup();
    cloudwatch.append(GROUP, 's', messages(1, 30), T0 - 120_000);
    cloudwatch.failNext(3);
    store.failNext('appendChunk', 2);
    store.failNext('sealLog', 1);
    const seal = await drain();
    expect(seal.lastIndex).toBe(30);
    expect(await stored(store)).toEqual(messages(1, 30));
    expect(store.calls.sealLog).toBe(2);
  });

  it.each([
    ['an error AWS will not retry (AccessDenied)', 'CLOUDWATCH_UNAVAILABLE'],
    ['a malformed stored chunk', 'TypeError'],
  ])('raises a non-retryable failure for %s', async (label, type) => {
    const { cloudwatch, store, drain } = await setup();
    cloudwatch.append(GROUP, 's', messages(1, 3), T0 - 120_000);
    if (label.startsWith('an error')) cloudwatch.failNext(1, { error: () => awsError('AccessDeniedException') });
    else store.failNext('latestChunk', 1, { error: () => new TypeError('cursor: expected {streams}') });
    await expect(drain()).rejects.toMatchObject({ name: 'ApplicationFailure', type, nonRetryable: true });
    expect(await store.getExecution(ID)).toMatchObject({ seal: undefined });
  });
});
