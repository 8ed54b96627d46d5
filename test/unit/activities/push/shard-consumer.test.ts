import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  forwardShard,
  type ForwardShardDeps,
  type ForwardShardProgress,
  type ForwardShardResult,
} from '../../../../activities/push/shard-consumer';
import type { LogSeal, ShardTips } from '../../../../src/domain';
import { awaitParentShards, ensureForwarders } from '../../../../activities/push/forwarder-starts';
import { DependencyError, PushedLogWriter } from '../../../../src/ports';
import type { ForwarderDirectory, ForwarderState } from '../../../../src/ports/forwarder-directory';
import { kinesisError } from '../../../support/fake-shard-source';
import {
  EXPIRES,
  GROUP,
  QUIET,
  SHARD,
  START,
  STREAM,
  events,
  expectDense,
  lines,
  messages,
  register,
  run,
  world,
  type World,
} from '../../../support/shard-consumer-world';

// The consumer's waits go through an injected sleep that advances a fake clock and returns at once: these tests
// check what it stores, the calls it makes and the times (on that clock) it makes them, never wall time. A run ends
// when the fake clock passes its maxRunMs, or when the test's sleep hook throws.

describe('forwardShard', () => {
  it('routes each stream to its execution, several executions in one read, and skips streams with no route', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    await register(w, 'e2', ['b', 'c']);
    for (let i = 0; i < 5; i++) {
      w.source.putData(SHARD, GROUP, 'a', events('a', i * 3 + 1, 3));
      w.source.putData(SHARD, GROUP, 'b', events('b', i * 2 + 1, 2));
      w.source.putData(SHARD, GROUP, 'stranger', events('s', i + 1, 1));
      w.source.putData(SHARD, GROUP, 'c', events('c', i + 1, 1));
    }
    const r = run(w, { maxRunMs: 5000 });
    const result = await r.result;

    expect(messages(w, 'e1')).toEqual(lines('a', 1, 15));
    // One execution's streams keep the shard's order between them.
    expect(messages(w, 'e2')).toEqual(
      Array.from({ length: 5 }, (_, i) => [`b ${i * 2 + 1}`, `b ${i * 2 + 2}`, `c ${i + 1}`]).flat(),
    );
    expectDense(w, 'e1');
    expectDense(w, 'e2');
    expect(w.store.events('stranger')).toEqual([]);
    expect(result.closed).toBe(false);
    expect(result.checkpoint).toBe(r.heartbeats.at(-1)?.checkpoint);
    expect(r.heartbeats.at(-1)).toMatchObject({ records: 20, stored: 30, skipped: 5, duplicates: 0 });
    // Each stream looked up once, however many records and reads.
    expect([...w.registry.routeLookups].sort()).toEqual(['a', 'b', 'c', 'stranger']);
  });

  it('skips CONTROL_MESSAGE and malformed records, counting them, and stores what follows', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    w.source.putControl(SHARD);
    w.source.putData(SHARD, GROUP, 'a', events('a', 1, 2));
    w.source.putMalformed(SHARD, 'not gzip');
    w.source.putData(SHARD, GROUP, 'a', events('a', 3, 2));
    const r = run(w, { maxRunMs: 3000 });
    await r.result;
    expect(messages(w, 'e1')).toEqual(lines('a', 1, 4));
    expect(r.heartbeats.at(-1)).toMatchObject({ records: 4, stored: 4, control: 1, malformed: 1 });
  });

  it('skips a sealed execution (sealed before the run, or while it runs) and keeps storing the others', async () => {
    const w = world();
    await register(w, 'done', ['d']);
    await register(w, 'live', ['l']);
    await register(w, 'late', ['x']);
    await w.store.sealLog('done', seal(0), EXPIRES);
    w.source.putData(SHARD, GROUP, 'd', events('d', 1, 2));
    w.source.putData(SHARD, GROUP, 'x', events('x', 1, 2));
    w.source.putData(SHARD, GROUP, 'l', events('l', 1, 2));
    const appends = new Map<string, number>();
    let sealedLate = false;
    let appendsOfLateAtSeal = 0;
    const r = run(w, {
      maxRunMs: 6000,
      deps: { writerFor: countingWriters(w, appends) },
      onSleep: (now) => {
        if (!sealedLate && messages(w, 'late').length === 2) {
          sealedLate = true;
          appendsOfLateAtSeal = appends.get('late') ?? 0;
          // The drain seals 'late' behind the forwarder's back: its later lines are not its log's.
          void w.store.sealLog('late', seal(2), EXPIRES);
        }
        if (sealedLate && now < START + 3000) {
          w.source.putData(SHARD, GROUP, 'x', events('x', 3, 1));
          w.source.putData(SHARD, GROUP, 'l', events('l', 3, 1));
        }
      },
    });
    await r.result;
    expect(messages(w, 'done')).toEqual([]);
    expect(messages(w, 'late')).toEqual(lines('x', 1, 2));
    const live = messages(w, 'live');
    expect(live.length).toBeGreaterThan(3);
    expect(live.slice(0, 3)).toEqual(lines('l', 1, 3));
    // A log sealed before the run costs no append; one sealed during it costs the one append that met the seal.
    expect(appends.get('done')).toBeUndefined();
    expect(appends.get('late')).toBe(appendsOfLateAtSeal + 1);
  });

  it('rides out store failures (lost answers included): every record stored once, the checkpoint a record of the shard', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    const sequence: { seq: string; last: string }[] = [];
    for (let i = 0; i < 30; i++)
      sequence.push({ seq: w.source.putData(SHARD, GROUP, 'a', events('a', i * 2 + 1, 2)), last: `a ${i * 2 + 2}` });
    w.store.failNext('appendChunk', 2, { after: 1 });
    w.store.failNext('appendChunk', 1, { after: 2, applied: true });
    w.store.failNext('latestChunk', 2, { after: 1 });
    const env = run(w, { maxRunMs: 20_000, deps: { readLimit: 4 } });
    const checked: string[] = [];
    const r = await env.result;
    for (const beat of env.heartbeats) {
      if (beat.checkpoint === undefined) continue;
      const upTo = sequence.find((s) => s.seq === beat.checkpoint);
      expect(upTo).toBeDefined();
      checked.push(beat.checkpoint);
    }
    expect(checked.length).toBeGreaterThan(5);
    expect(r.checkpoint).toBe(sequence.at(-1)?.seq);
    expect(messages(w, 'e1')).toEqual(lines('a', 1, 60));
    expectDense(w, 'e1');
  });

  it('never heartbeats a checkpoint ahead of the store', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    const lastLineOf = new Map<string, string>();
    for (let i = 0; i < 20; i++)
      lastLineOf.set(w.source.putData(SHARD, GROUP, 'a', events('a', i + 1, 1)), `a ${i + 1}`);
    w.store.failNext('appendChunk', 3, { after: 2 });
    const env = new MockActivityEnvironment(undefined, QUIET);
    const ahead: string[] = [];
    env.on('heartbeat', (beat: ForwardShardProgress) => {
      const line = beat.checkpoint === undefined ? undefined : lastLineOf.get(beat.checkpoint);
      if (line !== undefined && !messages(w, 'e1').includes(line)) ahead.push(line);
    });
    const deps: ForwardShardDeps = {
      shards: w.source,
      registry: w.registry,
      store: w.store,
      writerFor: (target) => new PushedLogWriter(w.store, target),
      maxRunMs: 10_000,
      readLimit: 3,
      now: () => w.clock.now,
      sleep: async (ms) => {
        w.clock.now += ms;
      },
    };
    await env.run(forwardShard, deps, { streamName: STREAM, shardId: SHARD });
    expect(ahead).toEqual([]);
    expect(messages(w, 'e1')).toEqual(lines('a', 1, 20));
  });

  it('stores a record Kinesis delivers twice (the same payload as a new record) once', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    const first = w.source.putData(SHARD, GROUP, 'a', events('a', 1, 3));
    w.source.putData(SHARD, GROUP, 'a', events('a', 4, 3));
    w.source.redeliver(SHARD, first);
    w.source.putData(SHARD, GROUP, 'a', events('a', 7, 1));
    const r = run(w, { maxRunMs: 3000 });
    await r.result;
    expect(messages(w, 'e1')).toEqual(lines('a', 1, 7));
    expect(r.heartbeats.at(-1)).toMatchObject({ stored: 7, duplicates: 3 });
  });

  it('resumes after a crash from its last heartbeat and stores nothing twice', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    await register(w, 'e2', ['b']);
    for (let i = 0; i < 40; i++) {
      w.source.putData(SHARD, GROUP, 'a', events('a', i * 2 + 1, 2));
      w.source.putData(SHARD, GROUP, 'b', events('b', i + 1, 1));
    }
    // The 4th chunk is stored but its answer is lost; the worker dies while the append is retried: the store is
    // ahead of the last heartbeat's checkpoint.
    w.store.failNext('appendChunk', 1, { after: 3, applied: true });
    // The attempt is lost (the worker died): the server times it out, the SDK cancels what is left of it.
    const crash = new CancelledFailure('TIMED_OUT');
    let failed = false;
    const first = run(w, {
      deps: {
        readLimit: 6,
        writerFor: (target) => {
          const writer = new PushedLogWriter(w.store, target);
          return {
            append: async (records) => {
              try {
                return await writer.append(records);
              } catch (error) {
                failed = true;
                throw error;
              }
            },
          };
        },
      },
      onSleep: () => {
        if (failed) throw crash;
      },
    });
    await expect(first.result).rejects.toBe(crash);
    const storedAtCrash = w.store.events('e1').length + w.store.events('e2').length;
    const last = first.heartbeats.at(-1);
    expect(last?.checkpoint).toBeDefined();

    const second = run(w, { heartbeatDetails: last, maxRunMs: 20_000 });
    await second.result;
    expect(messages(w, 'e1')).toEqual(lines('a', 1, 80));
    expect(messages(w, 'e2')).toEqual(lines('b', 1, 40));
    expectDense(w, 'e1');
    expectDense(w, 'e2');
    // The replay found what the crashed attempt stored past its checkpoint, and did not store it again.
    expect(second.heartbeats.at(-1)?.duplicates).toBeGreaterThan(0);
    expect(storedAtCrash).toBeLessThan(120);
  });

  it('ends its round at the checkpoint when its worker shuts down, and fails on any other cancellation', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    const last = w.source.putData(SHARD, GROUP, 'a', events('a', 1, 3));
    const shutdown = run(w, {
      onSleep: () => {
        if (messages(w, 'e1').length === 3) throw new CancelledFailure('WORKER_SHUTDOWN');
      },
    });
    // The workflow's next round starts at once on another worker, from here.
    expect(await shutdown.result).toEqual({ checkpoint: last, closed: false, childShardIds: [] });
    const cancelled = run(w, {
      checkpoint: last,
      onSleep: () => {
        throw new CancelledFailure('CANCELLED');
      },
    });
    await expect(cancelled.result).rejects.toMatchObject({ name: 'CancelledFailure', message: 'CANCELLED' });
  });

  it('looks a stream with no route up again after a short time: an execution may register after its first lines', async () => {
    const w = world();
    w.source.putData(SHARD, GROUP, 'a', events('a', 1, 2));
    let registered = false;
    const r = run(w, {
      maxRunMs: 10_000,
      onSleep: (now) => {
        if (!registered && now >= START + 2000) {
          registered = true;
          void register(w, 'e1', ['a']);
          w.source.putData(SHARD, GROUP, 'a', events('a', 3, 2));
        }
      },
    });
    await r.result;
    // The lines before the route are the push drain's to find (its check against CloudWatch); the rest is stored.
    expect(messages(w, 'e1')).toEqual(lines('a', 3, 2));
    expect(w.registry.routeLookups.length).toBeLessThan(15);
  });

  it("stores a routed stream whose execution record is not readable yet, then the execution's other streams", async () => {
    const w = world();
    // Routes first, record later: the consumer must not hold on to a writer that knows the first stream only.
    for (const logStream of ['a', 'b']) await w.registry.putRoute({ logGroup: GROUP, logStream, executionId: 'e1' });
    w.source.putData(SHARD, GROUP, 'a', events('a', 1, 2));
    let registered = false;
    const r = run(w, {
      maxRunMs: 5000,
      onSleep: () => {
        if (!registered && messages(w, 'e1').length === 2) {
          registered = true;
          void w.store.registerExecution({
            executionId: 'e1',
            location: { logGroup: GROUP, logStreams: ['a', 'b'] },
            startedAt: START,
            ingest: 'push',
          });
          w.source.putData(SHARD, GROUP, 'b', events('b', 1, 2));
          w.source.putData(SHARD, GROUP, 'a', events('a', 3, 1));
        }
      },
    });
    await r.result;
    expect(messages(w, 'e1')).toEqual(['a 1', 'a 2', 'b 1', 'b 2', 'a 3']);
    expectDense(w, 'e1');
  });

  it('waits out failing Kinesis calls, route lookups and appends, and takes a new iterator when one expires', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    w.source.putData(SHARD, GROUP, 'a', events('a', 1, 2));
    w.source.failNext('read', 3);
    w.source.failNext('iteratorAfter', 2);
    w.registry.failRouteLookups = 2;
    // The store is down for six minutes: the iterator taken before the outage expires meanwhile.
    let phase: 'before' | 'outage' | 'after' | 'done' = 'before';
    let outageUntil = 0;
    const r = run(w, {
      maxRunMs: 12 * 60_000,
      deps: { writerFor: failingWriters(w, () => phase === 'outage') },
      onSleep: (now) => {
        if (phase === 'before' && messages(w, 'e1').length === 2) {
          phase = 'outage';
          outageUntil = now + 6 * 60_000;
          w.source.putData(SHARD, GROUP, 'a', events('a', 3, 2));
        } else if (phase === 'outage' && now >= outageUntil) {
          phase = 'after';
        } else if (phase === 'after' && messages(w, 'e1').length === 4) {
          phase = 'done';
          w.source.putData(SHARD, GROUP, 'a', events('a', 5, 1));
        }
      },
    });
    await r.result;
    expect(phase).toBe('done');
    expect(messages(w, 'e1')).toEqual(lines('a', 1, 5));
    expectDense(w, 'e1');
    // Two refused, one for the first read, one replacing the iterator that expired during the outage.
    expect(w.source.calls.iteratorAfter).toBe(4);
  });

  it('reads a busy shard at most 5 times a second, a quiet one about once a second, and halves its pace when throttled', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    let n = 0;
    const r = run(w, {
      maxRunMs: 60_000,
      onSleep: (now) => {
        // Busy for the first 20 s (a record at every wake-up), then quiet.
        if (now < START + 20_000) w.source.putData(SHARD, GROUP, 'a', events('a', ++n, 1));
        // Another consumer of the shard takes its share for a while: Kinesis refuses some reads for rate.
        if (now >= START + 40_000 && now < START + 40_300) {
          w.source.failNext('read', 2, () =>
            kinesisError('GetRecords', 'ProvisionedThroughputExceededException', true, true),
          );
        }
      },
    });
    await r.result;
    const times = w.source.readTimes.get(SHARD) ?? [];
    expect(w.source.throttled).toBe(0);
    for (const t of times) expect(times.filter((u) => u > t - 1000 && u <= t).length).toBeLessThanOrEqual(5);
    const busy = times.filter((t) => t >= START + 5000 && t < START + 15_000).length;
    expect(busy).toBeGreaterThanOrEqual(30);
    const quiet = times.filter((t) => t >= START + 25_000 && t < START + 35_000).length;
    expect(quiet).toBeGreaterThanOrEqual(8);
    expect(quiet).toBeLessThanOrEqual(12);
    const [firstAfter, secondAfter] = gaps(times.filter((t) => t >= START + 40_000));
    expect(firstAfter).toBeGreaterThanOrEqual(500);
    expect(secondAfter).toBeGreaterThanOrEqual(500);
    expect(messages(w, 'e1')).toEqual(lines('a', 1, n));
  });

  it('reads again as soon as a slow store ends, without resting: each line waits for one round, not two', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    let n = 0;
    const r = run(w, {
      maxRunMs: 10_000,
      deps: {
        // Every append takes 900 ms, well over the busy pace (250 ms).
        writerFor: (target) => {
          const writer = new PushedLogWriter(w.store, target);
          return {
            append: async (records) => {
              w.clock.now += 900;
              return writer.append(records);
            },
          };
        },
      },
      onSleep: (now) => void (now < START + 8000 && w.source.putData(SHARD, GROUP, 'a', events('a', ++n, 1))),
    });
    await r.result;
    const times = (w.source.readTimes.get(SHARD) ?? []).filter((t) => t >= START + 1000 && t < START + 8000);
    expect(times.length).toBeGreaterThanOrEqual(6);
    // A read, a 900 ms store, the next read at once (a rest as long as the round would make this 1,800 ms).
    for (const gap of gaps(times)) expect(gap).toBeLessThan(1000);
    expect(messages(w, 'e1')).toEqual(lines('a', 1, n));
    expectDense(w, 'e1');
  });

  it('reports caughtUpTo about once a second: the start of the last read that reached the tip', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    const r = run(w, {
      maxRunMs: 10_000,
      onSleep: (now) => void (now < START + 3000 && w.source.putData(SHARD, GROUP, 'a', events('a', now, 1))),
    });
    await r.result;
    const reports = w.registry.reports;
    expect(reports.length).toBeGreaterThanOrEqual(5);
    expect(reports.length).toBeLessThanOrEqual(12);
    for (const gap of gaps(reports.map((p) => p.caughtUpTo))) expect(gap).toBeGreaterThan(0);
    for (const gap of gaps(reports.map((p) => p.updatedAt))) expect(gap).toBeGreaterThanOrEqual(1000);
    const times = w.source.readTimes.get(SHARD) ?? [];
    expect(times).toContain(reports.at(-1)?.caughtUpTo);
    expect(reports.every((p) => !p.closed && p.streamName === STREAM && p.shardId === SHARD)).toBe(true);
  });

  it("publishes the shard's tips: each routed execution's last stored index, republished only when it changed", async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    await register(w, 'e2', ['b', 'c']);
    await register(w, 'done', ['d']);
    await w.store.sealLog('done', seal(0), EXPIRES);
    const published: ShardTips[] = [];
    const put = w.registry.putShardTips.bind(w.registry);
    w.registry.putShardTips = async (tips) => {
      published.push(tips);
      await put(tips);
    };
    for (let i = 0; i < 4; i++) {
      w.source.putData(SHARD, GROUP, 'a', events('a', i * 2 + 1, 2));
      w.source.putData(SHARD, GROUP, 'b', events('b', i + 1, 1));
      w.source.putData(SHARD, GROUP, 'stranger', events('s', i + 1, 1));
      w.source.putData(SHARD, GROUP, 'd', events('d', i + 1, 1));
    }
    let more = true;
    const r = run(w, {
      maxRunMs: 8000,
      deps: { readLimit: 5 },
      onSleep: (now) => {
        // Later lines of e2 (on its other stream) move its tip; e1's stays.
        if (more && now >= START + 3000) {
          more = false;
          w.source.putData(SHARD, GROUP, 'c', events('c', 1, 3));
        }
      },
    });
    await r.result;
    expect(messages(w, 'e1')).toHaveLength(8);
    expect(messages(w, 'e2')).toHaveLength(7);
    const lastStored = (executionId: string) => w.store.chunks(executionId).at(-1)?.last;
    // Unrouted streams and sealed logs have no tip.
    expect(Object.fromEntries(w.registry.tips.get(SHARD) ?? [])).toEqual({
      e1: lastStored('e1'),
      e2: lastStored('e2'),
    });
    expect(lastStored('e2')).toBe(7);
    for (const tips of published) expect(tips).toMatchObject({ streamName: STREAM, shardId: SHARD });
    // Several reads stored something, most (the quiet shard's) stored nothing: only the former published tips.
    const reads = r.heartbeats.at(-1)?.reads ?? 0;
    expect(published.length).toBeGreaterThanOrEqual(2);
    expect(published.length).toBeLessThan(reads);
    // Tips only grow, and are in the store when published (a tip never leads the store).
    for (const [i, tips] of published.entries()) {
      for (const [executionId, last] of tips.tips) {
        expect(last).toBeGreaterThanOrEqual(published[i - 1]?.tips.get(executionId) ?? 0);
        expect(last).toBeLessThanOrEqual(lastStored(executionId) ?? 0);
      }
    }
  });

  it('a failing tips publication does not stop forwarding, and is retried until it goes through', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    let refused = 0;
    let down = true;
    const put = w.registry.putShardTips.bind(w.registry);
    w.registry.putShardTips = async (tips) => {
      if (down) {
        refused++;
        throw new DependencyError('dynamodb', 'PutItem', new Error('connect ECONNREFUSED'));
      }
      await put(tips);
    };
    for (let i = 0; i < 5; i++) w.source.putData(SHARD, GROUP, 'a', events('a', i * 2 + 1, 2));
    let later = true;
    const r = run(w, {
      maxRunMs: 10_000,
      deps: { readLimit: 2 },
      onSleep: (now) => {
        if (later && now >= START + 2000) {
          later = false;
          w.source.putData(SHARD, GROUP, 'a', events('a', 11, 2));
        }
        // The registry comes back once no record is left to store: the retry alone must publish the tips.
        if (now >= START + 5000) down = false;
      },
    });
    await r.result;
    expect(messages(w, 'e1')).toEqual(lines('a', 1, 12));
    expectDense(w, 'e1');
    expect(r.heartbeats.at(-1)).toMatchObject({ stored: 12 });
    // Every read that stored something tried to publish, and failed while the registry was down.
    expect(refused).toBeGreaterThanOrEqual(4);
    expect(Object.fromEntries(w.registry.tips.get(SHARD) ?? [])).toEqual({ e1: 12 });
  });

  it('reads a closed shard to its end, reports it closed and names its children', async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    w.source.putData(SHARD, GROUP, 'a', events('a', 1, 3));
    w.source.closeShard(SHARD);
    w.source.addShard('shardId-000000000001', { parentShardId: SHARD });
    w.source.addShard('shardId-000000000002', { parentShardId: SHARD });
    const r = run(w, { maxRunMs: 60_000 });
    const result = await r.result;
    expect(result).toMatchObject({ closed: true, childShardIds: ['shardId-000000000001', 'shardId-000000000002'] });
    expect(messages(w, 'e1')).toEqual(lines('a', 1, 3));
    expect(w.registry.reports.at(-1)).toMatchObject({ closed: true, shardId: SHARD });
    expect(w.clock.now).toBeLessThan(START + 5000);
  });
});

/** Writers that count the appends of each execution. */
function countingWriters(w: World, appends: Map<string, number>): ForwardShardDeps['writerFor'] {
  return (target) => {
    const writer = new PushedLogWriter(w.store, target);
    return {
      append: (records) => {
        appends.set(target.executionId, (appends.get(target.executionId) ?? 0) + 1);
        return writer.append(records);
      },
    };
  };
}

/** Writers whose appends fail as DynamoDB does when it is unreachable, while `down()` holds. */
function failingWriters(w: World, down: () => boolean): ForwardShardDeps['writerFor'] {
  return (target) => {
    const writer = new PushedLogWriter(w.store, target);
    return {
      append: async (records) => {
        if (down()) throw new DependencyError('dynamodb', 'PutItem', new Error('connect ECONNREFUSED'));
        return writer.append(records);
      },
    };
  };
}

function seal(lastIndex: number): LogSeal {
  return { status: 'SUCCEEDED', completedAt: START, lastIndex, sealedAt: START };
}

/** Forwarder workflows as Temporal keeps them: a start joins a running one and never reruns a completed one. */
class FakeDirectory implements ForwarderDirectory {
  readonly states = new Map<string, ForwarderState>();
  readonly starts: string[] = [];

  async start(streamName: string, shardId: string): Promise<void> {
    expect(streamName).toBe(STREAM);
    const state = this.states.get(shardId);
    if (state === 'running' || state === 'completed') return;
    this.starts.push(shardId);
    this.states.set(shardId, 'running');
  }

  async state(_streamName: string, shardId: string): Promise<ForwarderState> {
    return this.states.get(shardId) ?? 'missing';
  }
}

describe('shard forwarders and resharding', () => {
  const CHILD = 'shardId-000000000001';

  it('starts one forwarder per shard however many workers start them at once', async () => {
    const w = world();
    w.source.addShard(CHILD);
    const directory = new FakeDirectory();
    await Promise.all([1, 2, 3].map(() => ensureForwarders({ shards: w.source, forwarders: directory }, STREAM)));
    expect(directory.starts.sort()).toEqual([SHARD, CHILD]);
    // A completed forwarder (its closed shard read to the end) is not started again.
    directory.states.set(SHARD, 'completed');
    directory.states.set(CHILD, 'ended');
    await ensureForwarders({ shards: w.source, forwarders: directory }, STREAM);
    expect(directory.starts.sort()).toEqual([SHARD, CHILD, CHILD]);
  });

  it('a child waits for its parents: a running one, a missing one (started), a gone one (done)', async () => {
    const w = world();
    w.source.closeShard(SHARD);
    w.source.addShard('shardId-000000000009');
    w.source.closeShard('shardId-000000000009');
    w.source.addShard(CHILD, { parentShardId: SHARD, adjacentParentShardId: 'shardId-000000000009' });
    w.source.addShard('shardId-000000000003', { parentShardId: 'shardId-000000000077' });
    const directory = new FakeDirectory();
    directory.states.set(SHARD, 'running');
    const deps = { shards: w.source, forwarders: directory };

    // A parent gone from ListShards with no forwarder counts as done (past the stream's retention).
    await awaitParentShards(deps, { streamName: STREAM, shardId: 'shardId-000000000003' }, { wait: fail });

    const waits: number[] = [];
    await awaitParentShards(
      deps,
      { streamName: STREAM, shardId: CHILD },
      {
        wait: async (ms) => {
          waits.push(ms);
          // The merged parent's forwarder was missing: it was started; both finish one after the other.
          expect(directory.starts).toEqual(['shardId-000000000009']);
          if (waits.length === 2) directory.states.set(SHARD, 'completed');
          if (waits.length === 4) directory.states.set('shardId-000000000009', 'completed');
        },
      },
    );
    expect(waits).toEqual([1000, 2000, 4000, 8000]);
  });

  it("stores a stream's events in order across a split: the child is read only after its parent's end", async () => {
    const w = world();
    await register(w, 'e1', ['a']);
    w.source.putData(SHARD, GROUP, 'a', events('a', 1, 3));
    w.source.putData(SHARD, GROUP, 'a', events('a', 4, 3));
    w.source.closeShard(SHARD);
    w.source.addShard(CHILD, { parentShardId: SHARD });
    w.source.putData(CHILD, GROUP, 'a', events('a', 7, 3));
    const directory = new FakeDirectory();
    await ensureForwarders({ shards: w.source, forwarders: directory }, STREAM);

    // The child's forwarder starts first and waits; meanwhile the parent's reads its shard to the end and completes.
    let parent: Promise<ForwardShardResult> | undefined;
    await awaitParentShards(
      { shards: w.source, forwarders: directory },
      { streamName: STREAM, shardId: CHILD },
      {
        wait: async () => {
          expect(messages(w, 'e1')).toEqual(parent ? lines('a', 1, 6) : []);
          parent ??= run(w, { maxRunMs: 60_000 }).result.then((result) => {
            directory.states.set(SHARD, 'completed');
            return result;
          });
          await parent;
        },
      },
    );
    expect(await parent).toMatchObject({ closed: true, childShardIds: [CHILD] });
    await run(w, { shardId: CHILD, maxRunMs: 3000 }).result;
    expect(messages(w, 'e1')).toEqual(lines('a', 1, 9));
    expectDense(w, 'e1');
  });
});

/** Differences between consecutive values. */
function gaps(values: readonly number[]): number[] {
  return values.slice(1).map((value, i) => value - (values[i] ?? value));
}

async function fail(): Promise<void> {
  throw new Error('must not wait');
}
