import { MockActivityEnvironment } from '@temporalio/testing';
import {
  proofDeadline,
  pushDrainAndSeal,
  type PushDrainDeps,
  type PushDrainInput,
  type PushDrainProgress,
} from '../../../../activities/push/push-drain';
import type { Completion, LogEvent, LogLocation, LogSeal } from '../../../../src/domain';
import { DependencyError, PushedLogWriter } from '../../../../src/ports';
import { StreamVerifier } from '../../../../activities/push/stream-verifier';
import { WATCH_CLOCK_MARGIN_MS } from '../../../../activities/push/push-proof';
import { InMemoryPushRegistry } from '../../../support/fake-push-registry';
import { InMemoryShardSource } from '../../../support/fake-shard-source';
import { createActivities, type DrainInput } from '../../../../activities';
import {
  awsError,
  InMemoryLogAudit,
  InMemoryLogSource,
  InMemoryLogStore,
  pollOnlyPushDeps,
  seededRandom,
} from '../../../support/fakes';

// The push drain on a virtual clock: its waits advance the clock, so these tests check what it decides,
// never wall time. The forwarder is played by the test: it stores records through PushedLogWriter and
// reports the shard's progress in the registry, as the real one does.

const GROUP = '/logstream/executions';
const STREAM = 'executions/e1';
const ID = 'e1';
const KINESIS = 'logstream-log-events';
const SHARD = 'shardId-000000000000';
const T0 = 1_700_000_000_000;
const SETTLE = 1000;
const location: LogLocation = { logGroup: GROUP, logStreams: [STREAM] };

type Event = LogEvent & { eventId: string };

const pacing = { maxCallsPerSecond: 2, minCallsPerSecond: 0.2, backoffBaseMs: 500, backoffMaxMs: 30_000 };

function setup() {
  let now = T0;
  const pending: { at: number; action: () => Promise<void> | void }[] = [];
  const sleep = async (ms: number): Promise<void> => {
    now += ms;
    for (const item of pending.splice(0)) {
      if (item.at <= now) await item.action();
      else pending.push(item);
    }
  };
  const clock = () => now;
  const store = new InMemoryLogStore({ now: clock });
  const registry = new InMemoryPushRegistry({ now: clock });
  const audit = new InMemoryLogAudit({ now: clock });
  const shards = new InMemoryShardSource({ now: clock, streamName: KINESIS });
  shards.addShard(SHARD);
  const writer = new PushedLogWriter(store, { executionId: ID, location });
  let sequence = 1000n;
  const heartbeats: PushDrainProgress[] = [];
  const deps: PushDrainDeps = {
    store,
    registry,
    verifier: new StreamVerifier({ audit, sleep, batchWindowMs: 0, pacing: { ...pacing, random: seededRandom(4) } }),
    shards,
    streamName: KINESIS,
    pollMs: 200,
    ttlSeconds: 60,
    filterPacing: {
      maxCallsPerSecond: 2,
      minCallsPerSecond: 0.2,
      backoffBaseMs: 500,
      backoffMaxMs: 30_000,
      random: seededRandom(3),
    },
    sleep,
    now: clock,
  };
  return {
    store,
    registry,
    audit,
    shards,
    heartbeats,
    now: clock,
    /** Runs `action` once the clock reaches `at`. */
    at(at: number, action: () => Promise<void> | void) {
      pending.push({ at, action });
    },
    /** CloudWatch takes lines (ids given by it), written `ms` apart from `from`. */
    write(lines: string[], from = T0, ms = 1): Event[] {
      return audit.put(
        GROUP,
        STREAM,
        lines.map((message, i) => ({ timestamp: from + Math.floor(i * ms), message })),
      );
    },
    /** The forwarder stores these events (one record). */
    async forward(events: readonly Event[]): Promise<void> {
      sequence += 1n;
      await writer.append([
        {
          shardId: SHARD,
          sequenceNumber: sequence.toString().padStart(56, '4'),
          logStream: STREAM,
          events: events.map((e) => ({ id: e.eventId, timestamp: e.timestamp, message: e.message })),
        },
      ]);
    },
    /** The forwarder reports it has stored everything that arrived before `caughtUpTo`. */
    async caughtUp(caughtUpTo: number): Promise<void> {
      await registry.putShardProgress({
        streamName: KINESIS,
        shardId: SHARD,
        caughtUpTo,
        closed: false,
        updatedAt: now,
      });
    },
    /** The forwarder holds others' events since T0 (caughtUpTo stays there), and read past them by watches read then. */
    async readPast(readUpTo: number, watchesAsOf: number): Promise<void> {
      await registry.putShardProgress({
        streamName: KINESIS,
        shardId: SHARD,
        caughtUpTo: T0,
        closed: false,
        updatedAt: now,
        readUpTo,
        watchesAsOf,
      });
    },
    /** Drains; `heartbeatDetails` are those a previous attempt of the activity left. */
    async drain(completion: Partial<Completion> = {}, heartbeatDetails?: unknown): Promise<LogSeal> {
      await store.registerExecution({ executionId: ID, location, startedAt: T0, ingest: 'push' });
      const environment = new MockActivityEnvironment(
        heartbeatDetails === undefined ? undefined : { heartbeatDetails },
      );
      environment.on('heartbeat', (details: unknown) => heartbeats.push(details as PushDrainProgress));
      const input: PushDrainInput = {
        executionId: ID,
        location,
        completion: { status: 'SUCCEEDED', completedAt: T0 + 100, ...completion },
        settleMs: SETTLE,
      };
      return environment.run(pushDrainAndSeal, deps, input);
    },
    async stored(): Promise<{ messages: string[]; indexes: number[] }> {
      const events: { index: number; message: string }[] = [];
      for await (const chunk of store.readChunks(ID, 1)) {
        chunk.events.forEach((e, i) => events.push({ index: chunk.seq + i, message: e.message }));
      }
      return { messages: events.map((e) => e.message), indexes: events.map((e) => e.index) };
    },
  };
}

const lines = (count: number, prefix = 'line'): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}`);
const quietAfter = T0 + 100 + SETTLE;
const reasons = (heartbeats: PushDrainProgress[]) => [...new Set(heartbeats.map((h) => h.verifying).filter(Boolean))];

describe('push drain: the proof by count (the writer counted what CloudWatch accepted)', () => {
  test('every counted event stored: sealed by count with no CloudWatch read, without waiting for the settle window', async () => {
    const t = setup();
    const events = t.write(lines(500));
    await t.forward(events.slice(0, 300));
    await t.forward(events.slice(300));
    const seal = await t.drain({ eventCount: 500 });
    expect(seal).toMatchObject({ status: 'SUCCEEDED', lastIndex: 500, proof: 'count' });
    expect(t.audit.calls.FilterLogEvents ?? 0).toBe(0);
    expect(reasons(t.heartbeats)).toEqual([]);
    expect(t.now()).toBeLessThan(quietAfter);
  });

  test('a retried drain keeps the count of what an attempt before it recovered, though nothing is left to recover', async () => {
    const t = setup();
    const events = t.write(lines(40));
    await t.forward(events);
    // The attempt before stored the window it recovered, then timed out before its seal: what it heartbeated stands.
    const seal = await t.drain({ eventCount: 40 }, { phase: 'verifying', lastIndex: 40, checkCalls: 2, recovered: 10 });
    expect(seal).toMatchObject({ lastIndex: 40, proof: 'count', recoveredEvents: 10 });
    expect(t.audit.calls.FilterLogEvents ?? 0).toBe(0);
  });

  test('details that are not a drain progress are ignored on a retry', async () => {
    const t = setup();
    await t.forward(t.write(lines(5)));
    const seal = await t.drain({ eventCount: 5 }, { recovered: 'many', checkCalls: -1 });
    expect(seal).toMatchObject({ lastIndex: 5, proof: 'count' });
    expect(seal.recoveredEvents ?? 0).toBe(0);
  });

  test('an empty log counted empty seals at 0 by count', async () => {
    const t = setup();
    expect(await t.drain({ eventCount: 0 })).toMatchObject({ lastIndex: 0, proof: 'count' });
    expect(t.audit.calls.FilterLogEvents ?? 0).toBe(0);
  });

  test('late deliveries are waited for: sealed by count once they are stored, still no read', async () => {
    const t = setup();
    const events = t.write(lines(10));
    await t.forward(events.slice(0, 6));
    t.at(T0 + 800, () => t.forward(events.slice(6)));
    const seal = await t.drain({ eventCount: 10 });
    expect(seal).toMatchObject({ lastIndex: 10, proof: 'count' });
    expect(t.audit.calls.FilterLogEvents ?? 0).toBe(0);
    // The drain asked the forwarders for the execution's lines at once, from its start, for a minute.
    expect(await t.registry.readWatches(KINESIS, T0)).toEqual(new Set([ID]));
    expect(await t.registry.readWatches(KINESIS, T0 + 61_000)).toEqual(new Set());
  });

  test('a window delivery skipped (a disabled filter): CloudWatch is read once the forwarders are past, and the gap recovered', async () => {
    const t = setup();
    const events = t.write(lines(40));
    await t.forward(events.slice(0, 15));
    await t.forward(events.slice(25));
    await t.caughtUp(quietAfter + 1);
    const seal = await t.drain({ eventCount: 40 });
    expect(seal).toMatchObject({ lastIndex: 40, proof: 'cloudwatch', recoveredEvents: 10 });
    const stored = await t.stored();
    expect(stored.messages).toEqual([...lines(40).slice(0, 15), ...lines(40).slice(25), ...lines(40).slice(15, 25)]);
    const recovered = (await readAll(t.store)).filter((e) => e.recovered === true).map((e) => e.message);
    expect(recovered).toEqual(lines(40).slice(15, 25));
    expect(reasons(t.heartbeats)).toEqual([expect.stringMatching(/^count-short: 30 of 40/)]);
    expect(t.audit.calls.FilterLogEvents).toBe(1);
  });

  test('a gap in a log longer than a page (12,000 lines, 2,000 skipped in the middle): all recovered, nothing twice', async () => {
    const t = setup();
    const events = t.write(lines(12_000));
    await t.forward(events.slice(0, 5000));
    await t.forward(events.slice(7000));
    await t.caughtUp(quietAfter + 1);
    const seal = await t.drain({ eventCount: 12_000 });
    expect(seal).toMatchObject({ lastIndex: 12_000, recoveredEvents: 2000, duplicateEvents: 0 });
    expect(new Set((await t.stored()).messages).size).toBe(12_000);
  });

  test('an uncertain write (the reply lost, the batch retried: CloudWatch holds it twice): read from CloudWatch, both copies kept', async () => {
    const t = setup();
    const events = t.write(lines(5));
    // The retried batch: CloudWatch took it again, under new ids; the forwarder delivered the first copy only.
    t.write(lines(5).slice(3), T0 + 3);
    await t.forward(events);
    await t.caughtUp(quietAfter + 1);
    const seal = await t.drain({ eventCount: 5, uncertainWrites: 1 });
    expect(seal).toMatchObject({ lastIndex: 7, proof: 'cloudwatch', recoveredEvents: 2 });
    expect(reasons(t.heartbeats)).toEqual([expect.stringMatching(/^uncertain-writes/)]);
  });

  test('more stored than counted (an event stored twice): read from CloudWatch, the duplicate reported in the seal', async () => {
    const t = setup();
    const events = t.write(lines(6));
    await t.forward(events);
    // A chunk holding the last event again, as a defective writer would store it.
    const last = events[5];
    if (!last) throw new Error('no event');
    const tip = await t.store.latestChunk(ID);
    await t.store.appendChunk(ID, {
      seq: 7,
      last: 7,
      events: [last],
      cursor: { streams: { [STREAM]: { ...tip?.cursor.streams[STREAM], skip: 0, count: 7 } } },
    });
    await t.caughtUp(quietAfter + 1);
    const seal = await t.drain({ eventCount: 6 });
    expect(seal).toMatchObject({ lastIndex: 7, proof: 'cloudwatch', duplicateEvents: 1, recoveredEvents: 0 });
    expect(reasons(t.heartbeats)).toEqual([expect.stringMatching(/^count-over: 7 events stored, 6 counted/)]);
  });
});

describe('push drain: the proof by reading CloudWatch (no count: an external producer, or a runner that died)', () => {
  test('everything forwarded: waits for the forwarders past quietAfter, reads the log once (a page), seals', async () => {
    const t = setup();
    const events = t.write(lines(500));
    await t.forward(events.slice(0, 300));
    await t.forward(events.slice(300));
    await t.caughtUp(quietAfter + 5);
    const seal = await t.drain();
    expect(seal).toMatchObject({ lastIndex: 500, proof: 'cloudwatch', recoveredEvents: 0, duplicateEvents: 0 });
    expect((await t.stored()).messages).toEqual(lines(500));
    expect(t.audit.calls.FilterLogEvents).toBe(1);
    expect(t.now()).toBeGreaterThanOrEqual(quietAfter);
  });

  test('an external producer’s event_count makes the proof free', async () => {
    const t = setup();
    await t.forward(t.write(lines(30)));
    expect(await t.drain({ eventCount: 30 })).toMatchObject({ lastIndex: 30, proof: 'count' });
    expect(t.audit.calls.FilterLogEvents ?? 0).toBe(0);
  });

  test('waits for the forwarder to pass quietAfter, then verifies: what came late is not recovered', async () => {
    const t = setup();
    const events = t.write(lines(10));
    await t.forward(events.slice(0, 6));
    await t.caughtUp(quietAfter - 500);
    t.at(quietAfter + 3000, async () => {
      await t.forward(events.slice(6));
      await t.caughtUp(quietAfter + 2900);
    });
    const seal = await t.drain();
    expect(seal).toMatchObject({ lastIndex: 10, recoveredEvents: 0 });
    expect(t.now()).toBeGreaterThanOrEqual(quietAfter + 3000);
    expect(t.audit.calls.FilterLogEvents).toBe(1);
  });

  test('a stream whose events were never stored: all recovered', async () => {
    const t = setup();
    t.write(lines(3));
    await t.caughtUp(quietAfter);
    expect(await t.drain()).toMatchObject({ lastIndex: 3, recoveredEvents: 3 });
    expect((await t.stored()).messages).toEqual(lines(3));
  });

  test('missing at the head (lines written before the route existed): recovered after the stored ones, each once', async () => {
    const t = setup();
    const events = t.write(lines(20));
    await t.forward(events.slice(5));
    await t.caughtUp(quietAfter);
    const seal = await t.drain();
    expect(seal).toMatchObject({ lastIndex: 20, recoveredEvents: 5 });
    const { messages, indexes } = await t.stored();
    expect(indexes).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(messages).toEqual([...lines(20).slice(5), ...lines(20).slice(0, 5)]);
  });

  test('missing far from the tip (past any sample of the latest events): found and recovered', async () => {
    const t = setup();
    const events = t.write(lines(25_000));
    await t.forward(events.slice(0, 3000));
    await t.forward(events.slice(3001));
    await t.caughtUp(quietAfter);
    const seal = await t.drain();
    expect(seal).toMatchObject({ lastIndex: 25_000, recoveredEvents: 1 });
    expect((await t.stored()).messages.at(-1)).toBe('line 3001');
    // A cost per line: three pages of 10,000 events.
    expect(t.audit.calls.FilterLogEvents).toBe(3);
  });

  test('events sharing a millisecond are told apart by id, not timestamp', async () => {
    const t = setup();
    const events = t.write(lines(30), T0, 0);
    await t.forward([...events.slice(0, 12), ...events.slice(13)]);
    await t.caughtUp(quietAfter);
    expect(await t.drain()).toMatchObject({ lastIndex: 30, recoveredEvents: 1 });
    expect(new Set((await t.stored()).messages)).toEqual(new Set(lines(30)));
  });

  test('events delivered twice are stored once, and the proof finds no duplicate', async () => {
    const t = setup();
    const events = t.write(lines(400), T0, 0);
    await t.forward(events.slice(0, 300));
    // CloudWatch puts the same events to Kinesis again, re-batched, beyond the recent ids.
    await t.forward(events.slice(20, 400));
    await t.caughtUp(quietAfter);
    expect(await t.drain()).toMatchObject({ lastIndex: 400, recoveredEvents: 0, duplicateEvents: 0 });
    expect((await t.stored()).messages).toEqual(lines(400));
  });

  test('events held of others keep caughtUpTo back: the drain goes by readUpTo, with watches read after its own', async () => {
    const t = setup();
    const events = t.write(lines(10));
    await t.forward(events);
    // The forwarder holds another execution's events from T0 on, and reads the watches every second; the drain's
    // watch is put at its start (T0 at the fake clock, which only its waits move on).
    t.at(quietAfter + 2000, async () => {
      await t.readPast(quietAfter + 1900, T0 + WATCH_CLOCK_MARGIN_MS + 500);
    });
    const seal = await t.drain();
    expect(seal).toMatchObject({ lastIndex: 10, recoveredEvents: 0 });
    expect(t.now()).toBeGreaterThanOrEqual(quietAfter + 2000);
    // Long before the bound that the forwarders' caughtUpTo alone would have made it wait for.
    expect(t.now()).toBeLessThan(proofDeadline(quietAfter, SETTLE));
  });

  test('readUpTo by watches read before the drain’s watch proves nothing for it: the bound is waited for', async () => {
    const t = setup();
    const events = t.write(lines(10));
    await t.forward(events);
    await t.readPast(quietAfter + 100_000, T0 - 1);
    const seal = await t.drain();
    expect(seal).toMatchObject({ lastIndex: 10, recoveredEvents: 0 });
    expect(t.now()).toBeGreaterThan(proofDeadline(quietAfter, SETTLE));
  });

  test('a watch that could not be put proves nothing: readUpTo counts from the first watch put', async () => {
    const t = setup();
    await t.forward(t.write(lines(10)));
    // The drain's first watch fails (at T0); it is put again 5 s on. The forwarder read the watches in between.
    t.registry.failNext('putWatches');
    await t.readPast(quietAfter + 100_000, T0 + WATCH_CLOCK_MARGIN_MS + 500);
    expect(await t.drain()).toMatchObject({ lastIndex: 10, recoveredEvents: 0 });
    expect(t.now()).toBeGreaterThan(proofDeadline(quietAfter, SETTLE));
  });

  test('the forwarder never passes quietAfter: after the bound, CloudWatch is read and the log sealed', async () => {
    const t = setup();
    const events = t.write(lines(12));
    await t.forward(events.slice(0, 4));
    const seal = await t.drain();
    expect(seal).toMatchObject({ lastIndex: 12, recoveredEvents: 8 });
    expect((await t.stored()).messages).toEqual(lines(12));
    expect(t.now()).toBeGreaterThan(proofDeadline(quietAfter, SETTLE));
  });
});

/** Every stored event, in index order, as the store holds it. */
async function readAll(store: InMemoryLogStore): Promise<LogEvent[]> {
  const events: LogEvent[] = [];
  for await (const chunk of store.readChunks(ID, 1)) events.push(...chunk.events);
  return events;
}

describe('push drain: failures', () => {
  test('throttled FilterLogEvents calls are waited out (the account-wide quota), then the proof holds', async () => {
    const t = setup();
    const events = t.write(lines(10));
    await t.forward(events);
    await t.caughtUp(quietAfter);
    const throttle = () =>
      new DependencyError('cloudwatch', 'FilterLogEvents', awsError('ThrottlingException'), true, {
        throttled: true,
        awsCode: 'ThrottlingException',
      });
    t.audit.failNext(throttle, throttle, throttle);
    const before = t.now();
    const seal = await t.drain();
    expect(seal).toMatchObject({ lastIndex: 10, recoveredEvents: 0 });
    // Three throttled calls, each read again after a back-off of at least half its 500 ms base.
    expect(t.audit.calls.FilterLogEvents).toBe(4);
    expect(t.now() - Math.max(before, quietAfter)).toBeGreaterThanOrEqual(3 * 250);
  });

  test('a throttled fallback read is retried, paced, and the whole log is recovered', async () => {
    const t = setup();
    const events = t.write(lines(30));
    await t.forward(events.slice(10));
    await t.caughtUp(quietAfter);
    const throttle = () =>
      new DependencyError('cloudwatch', 'FilterLogEvents', awsError('ThrottlingException'), true, { throttled: true });
    // The first reads are throttled.
    const original = t.audit.filterStreams.bind(t.audit);
    let calls = 0;
    t.audit.filterStreams = async (...args) => {
      calls++;
      if (calls === 1 || calls === 2) throw throttle();
      return original(...args);
    };
    const seal = await t.drain();
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(seal.lastIndex).toBe(30);
    expect((await t.stored()).messages).toEqual([...lines(30).slice(10), ...lines(30).slice(0, 10)]);
  });

  test('a refused FilterLogEvents (access denied) ends the activity with a non-retryable failure', async () => {
    const t = setup();
    await t.caughtUp(quietAfter);
    t.audit.failNext(
      () => new DependencyError('cloudwatch', 'FilterLogEvents', awsError('AccessDeniedException'), false),
    );
    await expect(t.drain()).rejects.toMatchObject({ name: 'ApplicationFailure', nonRetryable: true });
  });

  test('a Kinesis stream that cannot be listed (deleted) falls back to reading CloudWatch', async () => {
    const t = setup();
    const events = t.write(lines(5));
    await t.forward(events);
    t.shards.listShards = async () => {
      throw new DependencyError('kinesis', 'ListShards', awsError('ResourceNotFoundException'), false);
    };
    const seal = await t.drain();
    expect(seal).toMatchObject({ lastIndex: 5, proof: 'cloudwatch', recoveredEvents: 0 });
    expect(t.audit.calls.FilterLogEvents).toBe(1);
  });

  test('a forwarder storing past the tip at the seal sends the drain back to the proof (CHUNK_CONFLICT)', async () => {
    const t = setup();
    await t.forward(t.write(lines(7)));
    await t.caughtUp(quietAfter);
    const sealLog = t.store.sealLog.bind(t.store);
    let first = true;
    t.store.sealLog = async (...args) => {
      if (first) {
        first = false;
        // A late line reaches CloudWatch and the store between the check and the seal.
        await t.forward(t.write(['line 8'], T0 + 7));
      }
      return sealLog(...args);
    };
    const seal = await t.drain();
    expect(seal.lastIndex).toBe(8);
    expect((await t.stored()).messages).toEqual(lines(8));
  });
});

describe('the drain activity', () => {
  test('a push execution’s drain is the push drain: no GetLogEvents; without a count, one FilterLogEvents', async () => {
    const store = new InMemoryLogStore();
    const source = new InMemoryLogSource();
    const deps = { store, source, ...pollOnlyPushDeps() };
    deps.shards.addShard(SHARD);
    const completedAt = Date.now() - 120_000;
    await deps.registry.putShardProgress({
      streamName: deps.push.streamName,
      shardId: SHARD,
      caughtUpTo: Date.now(),
      closed: false,
      updatedAt: Date.now(),
    });
    const events = deps.audit.put(GROUP, STREAM, [{ timestamp: completedAt - 10, message: 'only line' }]);
    source.append(GROUP, STREAM, ['only line'], completedAt - 10);
    await store.registerExecution({ executionId: ID, location, startedAt: completedAt - 20, ingest: 'push' });
    await new PushedLogWriter(store, { executionId: ID, location }).append([
      {
        shardId: SHARD,
        sequenceNumber: '49590338271490256608559692538361571095921575989136588899',
        logStream: STREAM,
        events: events.map((e) => ({ id: e.eventId, timestamp: e.timestamp, message: e.message })),
      },
    ]);
    const activities = createActivities({ ...deps, pacing: { minMs: 10, maxMs: 20 }, ttlSeconds: 60 });
    const input: DrainInput = {
      executionId: ID,
      location,
      completion: { status: 'SUCCEEDED', completedAt },
      settleMs: SETTLE,
      ingest: 'push',
    };
    const seal = await new MockActivityEnvironment().run(activities.drainAndSeal, input);
    expect(seal).toMatchObject({ status: 'SUCCEEDED', lastIndex: 1 });
    expect(source.calls.GetLogEvents).toBe(0);
    expect(deps.audit.calls.FilterLogEvents).toBe(1);
  });
});
