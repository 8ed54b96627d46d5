import { MockActivityEnvironment } from '@temporalio/testing';
import {
  proofDeadline,
  pushDrainAndSeal,
  type PushDrainDeps,
  type PushDrainInput,
  type PushDrainProgress,
} from '../../activities/push-drain';
import type { Completion, LogEvent, LogLocation, LogSeal } from '../../src/domain';
import { DependencyError, PushedLogWriter } from '../../src/ports';
import { InMemoryPushRegistry } from '../support/fake-push-registry';
import { InMemoryShardSource } from '../support/fake-shard-source';
import { createActivities, type DrainInput } from '../../activities';
import {
  awsError,
  InMemoryLogAudit,
  InMemoryLogSource,
  InMemoryLogStore,
  pollOnlyPushDeps,
  seededRandom,
} from '../support/fakes';

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
    audit,
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
    async drain(completion: Partial<Completion> = {}): Promise<LogSeal> {
      await store.registerExecution({ executionId: ID, location, startedAt: T0, ingest: 'push' });
      const environment = new MockActivityEnvironment();
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
const fallbacks = (heartbeats: PushDrainProgress[]) => [...new Set(heartbeats.map((h) => h.fallback).filter(Boolean))];

describe('push drain: the proof', () => {
  test('everything forwarded and the forwarder past quietAfter: sealed after a few FilterLogEvents calls, no fallback', async () => {
    const t = setup();
    const events = t.write(lines(500));
    await t.forward(events.slice(0, 300));
    await t.forward(events.slice(300));
    await t.caughtUp(quietAfter + 5);
    const seal = await t.drain();
    expect(seal).toMatchObject({ status: 'SUCCEEDED', lastIndex: 500 });
    expect((await t.stored()).messages).toEqual(lines(500));
    // The whole log is within the stored tail the check reads: one call.
    expect(t.audit.calls.FilterLogEvents).toBe(1);
    expect(fallbacks(t.heartbeats)).toEqual([]);
    expect(t.now()).toBeGreaterThanOrEqual(quietAfter);
  });

  test('waits for the forwarder to pass quietAfter before checking, then seals', async () => {
    const t = setup();
    const events = t.write(lines(10));
    await t.forward(events.slice(0, 6));
    await t.caughtUp(quietAfter - 500);
    t.at(quietAfter + 3000, async () => {
      await t.forward(events.slice(6));
      await t.caughtUp(quietAfter + 2900);
    });
    const seal = await t.drain();
    expect(seal.lastIndex).toBe(10);
    expect(t.now()).toBeGreaterThanOrEqual(quietAfter + 3000);
    expect(t.audit.calls.FilterLogEvents).toBe(1);
    expect(fallbacks(t.heartbeats)).toEqual([]);
  });

  test('an empty log with an empty stream seals at 0; a stream whose events were never stored does not', async () => {
    const empty = setup();
    await empty.caughtUp(quietAfter);
    expect((await empty.drain()).lastIndex).toBe(0);

    const unstored = setup();
    unstored.write(lines(3));
    await unstored.caughtUp(quietAfter);
    const seal = await unstored.drain();
    expect(seal.lastIndex).toBe(3);
    expect((await unstored.stored()).messages).toEqual(lines(3));
    expect(fallbacks(unstored.heartbeats)).toEqual([expect.stringMatching(/^head-missing/)]);
  });
});

describe('push drain: what the check catches, and the fallback recovers', () => {
  test('missing at the head (lines written before the route existed): recovered after the stored ones, each once', async () => {
    const t = setup();
    const events = t.write(lines(20));
    await t.forward(events.slice(5));
    await t.caughtUp(quietAfter);
    const seal = await t.drain();
    expect(seal.lastIndex).toBe(20);
    const { messages, indexes } = await t.stored();
    expect(indexes).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(messages).toEqual([...lines(20).slice(5), ...lines(20).slice(0, 5)]);
    expect(fallbacks(t.heartbeats)).toEqual([expect.stringMatching(/^head-missing/)]);
    expect(t.heartbeats.at(-1)?.recovered).toBe(5);
  });

  test('missing at the tail: waits for a late delivery within the bound, and seals without a fallback when it comes', async () => {
    const t = setup();
    const events = t.write(lines(10));
    await t.forward(events.slice(0, 9));
    await t.caughtUp(quietAfter);
    t.at(quietAfter + 4000, () => t.forward(events.slice(9)));
    const seal = await t.drain();
    expect(seal.lastIndex).toBe(10);
    expect(fallbacks(t.heartbeats)).toEqual([]);
    // A few checks spaced by a growing wait, not a busy loop.
    expect(t.audit.calls.FilterLogEvents).toBeLessThanOrEqual(10);
  });

  test('a completion reported long ago: a late tail is still waited for, the bound counting from the drain’s start', async () => {
    const t = setup();
    const events = t.write(lines(10));
    await t.forward(events.slice(0, 9));
    await t.caughtUp(quietAfter);
    t.at(quietAfter + 5000, () => t.forward(events.slice(9)));
    // Completed (as its runner says) ten minutes before the drain starts.
    const seal = await t.drain({ completedAt: T0 - 600_000 });
    expect(seal.lastIndex).toBe(10);
    expect(fallbacks(t.heartbeats)).toEqual([]);
  });

  test('missing at the tail for good: falls back once the bound has passed, and stores it once', async () => {
    const t = setup();
    const events = t.write(lines(10));
    await t.forward(events.slice(0, 9));
    await t.caughtUp(quietAfter);
    const seal = await t.drain();
    expect(seal.lastIndex).toBe(10);
    expect((await t.stored()).messages).toEqual(lines(10));
    expect(t.now()).toBeGreaterThan(proofDeadline(quietAfter, SETTLE));
    expect(fallbacks(t.heartbeats)).toEqual([expect.stringMatching(/^tail-missing/)]);
  });

  test('missing in the middle (between stored events): recovered, nothing twice', async () => {
    const t = setup();
    const events = t.write(lines(40));
    await t.forward(events.slice(0, 25));
    await t.forward(events.slice(26));
    await t.caughtUp(quietAfter);
    const seal = await t.drain();
    expect(seal.lastIndex).toBe(40);
    const { messages } = await t.stored();
    expect(messages).toEqual([...lines(40).slice(0, 25), ...lines(40).slice(26), 'line 26']);
    expect(fallbacks(t.heartbeats)).toEqual([expect.stringMatching(/^tail-missing/)]);
  });

  test('events sharing the tip millisecond are told apart by id, not timestamp', async () => {
    const t = setup();
    // 30 lines in one millisecond; the forwarder stored 29 of them.
    const events = t.write(lines(30), T0, 0);
    await t.forward([...events.slice(0, 12), ...events.slice(13)]);
    await t.caughtUp(quietAfter);
    const seal = await t.drain();
    expect(seal.lastIndex).toBe(30);
    expect(new Set((await t.stored()).messages)).toEqual(new Set(lines(30)));
  });

  test('thousands of lines in the tip millisecond (a fast job), all forwarded: the proof holds, no fallback', async () => {
    const t = setup();
    const events = t.write(lines(3000), T0, 0);
    await t.forward(events.slice(0, 2000));
    await t.forward(events.slice(2000));
    await t.caughtUp(quietAfter);
    const seal = await t.drain();
    expect(seal.lastIndex).toBe(3000);
    expect(t.audit.calls.FilterLogEvents).toBe(1);
    expect(fallbacks(t.heartbeats)).toEqual([]);
  });

  test('a writer whose batches overlap in time (CloudWatch orders by timestamp, Kinesis by arrival): the proof holds', async () => {
    const t = setup();
    // Four batches of 500, each spread over 50 ms from a start 20 ms after the previous one.
    const batches = [0, 1, 2, 3].map((b) =>
      t.write(
        lines(500).map((line) => `${line} of batch ${b}`),
        T0 + b * 20,
        0.1,
      ),
    );
    for (const batch of batches) await t.forward(batch);
    await t.caughtUp(quietAfter);
    const seal = await t.drain();
    expect(seal.lastIndex).toBe(2000);
    expect(t.audit.calls.FilterLogEvents).toBe(1);
    expect(fallbacks(t.heartbeats)).toEqual([]);
  });

  test('a log longer than the stored tail the check reads, all forwarded: the head and the tail, two calls', async () => {
    const t = setup();
    const events = t.write(lines(14_000));
    await t.forward(events.slice(0, 7000));
    await t.forward(events.slice(7000));
    await t.caughtUp(quietAfter);
    expect((await t.drain()).lastIndex).toBe(14_000);
    expect(t.audit.calls.FilterLogEvents).toBe(2);
    expect(fallbacks(t.heartbeats)).toEqual([]);
  });

  test('a log longer than the stored tail the check reads: an event missing inside the tail is caught', async () => {
    const t = setup();
    const events = t.write(lines(14_000));
    await t.forward(events.slice(0, 13_000));
    await t.forward(events.slice(13_001));
    await t.caughtUp(quietAfter);
    const seal = await t.drain();
    expect(seal.lastIndex).toBe(14_000);
    const { messages } = await t.stored();
    expect(messages.at(-1)).toBe('line 13001');
    expect(new Set(messages).size).toBe(14_000);
    expect(fallbacks(t.heartbeats)).toEqual([expect.stringMatching(/^tail-missing/)]);
  });

  test('duplicate ids delivered twice are stored once, and the proof still holds', async () => {
    const t = setup();
    const events = t.write(lines(50));
    await t.forward(events.slice(0, 30));
    // CloudWatch puts the same events to Kinesis again, as another record.
    await t.forward(events.slice(20, 50));
    await t.caughtUp(quietAfter);
    const seal = await t.drain();
    expect(seal.lastIndex).toBe(50);
    expect((await t.stored()).messages).toEqual(lines(50));
    expect(fallbacks(t.heartbeats)).toEqual([]);
  });

  test('more events at the tip than the id window (all in one millisecond): falls back at once, nothing twice', async () => {
    const t = setup();
    const events = t.write(lines(400), T0, 0);
    await t.forward(events.slice(0, 399));
    await t.caughtUp(quietAfter);
    const seal = await t.drain();
    expect(seal.lastIndex).toBe(400);
    expect(new Set((await t.stored()).messages).size).toBe(400);
    expect(fallbacks(t.heartbeats)).toEqual([expect.stringMatching(/^(window-exceeded|tail-missing)/)]);
  });

  test('the forwarder never passes quietAfter: after the bound, the fallback reads the log and seals', async () => {
    const t = setup();
    const events = t.write(lines(12));
    await t.forward(events.slice(0, 4));
    const seal = await t.drain();
    expect(seal.lastIndex).toBe(12);
    expect((await t.stored()).messages).toEqual(lines(12));
    expect(t.now()).toBeGreaterThan(proofDeadline(quietAfter, SETTLE));
    expect(fallbacks(t.heartbeats)).toEqual([expect.stringMatching(/^forwarder-behind/)]);
  });
});

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
    expect(seal.lastIndex).toBe(10);
    expect(fallbacks(t.heartbeats)).toEqual([]);
    // Waited, jittered back-offs: more than the three base waits would be without them.
    expect(t.now() - Math.max(before, quietAfter)).toBeGreaterThanOrEqual(250 + 500 + 1000);
  });

  test('a throttled fallback read is retried, paced, and the whole log is recovered', async () => {
    const t = setup();
    const events = t.write(lines(30));
    await t.forward(events.slice(10));
    await t.caughtUp(quietAfter);
    const throttle = () =>
      new DependencyError('cloudwatch', 'FilterLogEvents', awsError('ThrottlingException'), true, { throttled: true });
    // The check's head read passes, then the fallback's first reads are throttled.
    const original = t.audit.filterStream.bind(t.audit);
    let calls = 0;
    t.audit.filterStream = async (...args) => {
      calls++;
      if (calls === 2 || calls === 3) throw throttle();
      return original(...args);
    };
    const seal = await t.drain();
    expect(calls).toBeGreaterThanOrEqual(4);
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
    expect(seal.lastIndex).toBe(5);
    expect(fallbacks(t.heartbeats)).toEqual([expect.stringMatching(/^forwarder-progress-unreadable/)]);
  });

  test('a forwarder storing past the tip at the seal sends the drain back to the check (CHUNK_CONFLICT)', async () => {
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
  test('a push execution’s drain is the push drain: no GetLogEvents, the proof’s one FilterLogEvents', async () => {
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
