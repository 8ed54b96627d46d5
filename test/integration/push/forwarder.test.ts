import { randomUUID } from 'node:crypto';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordCommand,
  UpdateShardCountCommand,
  type _Record,
} from '@aws-sdk/client-kinesis';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ForwardShardProgress } from '../../../activities/push/forwarder-activities';
import { decodeSubscriptionRecord } from '../../../src/adapters/kinesis/subscription-record';
import type { IndexedEvent } from '../../../src/domain';
import type { ShardRecord } from '../../../src/ports';
import { provisionAws } from '../../../src/compose/wiring';
import { shardsHolding } from '../../../activities/push/shard-lineage';
import { TemporalForwarderDirectory } from '../../../src/adapters/temporal/temporal-forwarder-directory';
import { forwarderTaskQueue, forwarderWorkflowId } from '../../../workflows/forwarder-workflow';
import { newExecutionId, startHarness, testConfig, waitFor, type Harness } from '../../support/harness';

// The forwarder on the real local stack: CloudWatch Logs (the emulator behind the strict AWS layer) delivers through
// the log group's subscription filter to a Kinesis stream, and the worker's shard forwarder stores what it reads.
// The test has a log group and a Kinesis stream of its own (forwarders are keyed by stream), provisioned as the
// stack launcher does; routes and records are written as registration writes them, so only the forwarder stores.

const suffix = randomUUID().slice(0, 8);
const env = {
  LOGSTREAM_INGEST: 'push',
  LOGSTREAM_LOG_GROUP: `/logstream/test-forwarder-${suffix}`,
  LOGSTREAM_KINESIS_STREAM: `logstream-test-forwarder-${suffix}`,
};
let h: Harness;
// A second worker, started when the first one stops (the hand-over test); it serves the forwarders from then on.
let second: Harness | undefined;

beforeAll(async () => {
  await provisionAws(testConfig(env));
  h = await startHarness({ env });
});

afterAll(async () => {
  if (h === undefined) return;
  // The forwarders outlive their worker (they are durable workflows): end them with the test's stream.
  const shards = await h.aws.shards.listShards(env.LOGSTREAM_KINESIS_STREAM);
  for (const shard of shards) {
    await h.temporal.workflow
      .getHandle(forwarderWorkflowId(env.LOGSTREAM_KINESIS_STREAM, shard.shardId))
      .terminate('test over')
      .catch(() => undefined);
  }
  await second?.stop();
  await h.stop();
});

/** Registers a push execution the way registration does: its record (ingest push), then its stream's route. */
async function pushExecution(prefix: string): Promise<{ executionId: string; stream: string }> {
  const executionId = newExecutionId(prefix);
  const stream = `external/${executionId}`;
  const location = { logGroup: h.config.logGroup, logStreams: [stream] };
  await h.aws.store.registerExecution({ executionId, location, startedAt: Date.now(), ingest: 'push' });
  await h.aws.registry.putRoute({ logGroup: h.config.logGroup, logStream: stream, executionId });
  await h.aws.source.createStream(h.config.logGroup, stream);
  return { executionId, stream };
}

async function write(stream: string, messages: string[]): Promise<void> {
  const now = Date.now();
  // Several lines share each millisecond: identity is the event id, never the timestamp.
  await h.aws.source.putEvents(
    h.config.logGroup,
    stream,
    messages.map((message, i) => ({ timestamp: now + Math.floor(i / 10), message })),
  );
}

async function stored(executionId: string): Promise<IndexedEvent[]> {
  const events: IndexedEvent[] = [];
  for await (const chunk of h.aws.store.readChunks(executionId, 1)) {
    chunk.events.forEach((event, i) => events.push({ ...event, index: chunk.seq + i }));
  }
  return events;
}

async function waitStored(executionId: string, count: number): Promise<IndexedEvent[]> {
  await waitFor(`${count} events of ${executionId} stored`, async () =>
    ((await h.aws.store.latestChunk(executionId))?.last ?? 0) >= count ? true : undefined,
  );
  return stored(executionId);
}

const lines = (prefix: string, from: number, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix} line ${from + i} ${'x'.repeat(80)}`);

function expectExact(events: IndexedEvent[], expected: string[]): void {
  expect(events.map((e) => e.message)).toEqual(expected);
  expect(events.map((e) => e.index)).toEqual(expected.map((_, i) => i + 1));
  const ids = events.map((e) => e.eventId);
  expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
}

/** The first record of the test's Kinesis stream holding events of `stream` (read by the test, as a second consumer). */
async function recordOf(stream: string): Promise<_Record> {
  const kinesis = h.aws.kinesis;
  const StreamName = env.LOGSTREAM_KINESIS_STREAM;
  return waitFor(`a Kinesis record of ${stream}`, async () => {
    const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName }));
    for (const shard of Shards) {
      let { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({ StreamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      while (ShardIterator) {
        // Shares the shard's 5 reads/s with the forwarder: a refusal for rate fails this probe, which waitFor repeats.
        const read = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
        for (const record of read.Records ?? []) {
          const decoded = decodeSubscriptionRecord(record.Data ?? new Uint8Array());
          if (decoded.message?.messageType === 'DATA_MESSAGE' && decoded.message.logStream === stream) return record;
        }
        if ((read.Records ?? []).length === 0) break;
        ShardIterator = read.NextShardIterator;
      }
    }
    return undefined;
  });
}

/** The records of a shard of the test's stream, after `after` or from the oldest (read by the test as a second consumer). */
async function shardRecords(shardId: string, after?: string): Promise<ShardRecord[]> {
  return waitFor(`the records of ${shardId}`, async () => {
    const records: ShardRecord[] = [];
    try {
      const stream = env.LOGSTREAM_KINESIS_STREAM;
      let iterator: string | undefined = await h.aws.shards.iteratorAfter(stream, shardId, after);
      while (iterator !== undefined) {
        const read = await h.aws.shards.read(iterator);
        records.push(...read.records);
        if (read.records.length === 0) break;
        iterator = read.nextIterator;
      }
    } catch {
      // Refused for rate (the shard's forwarder reads it too): waitFor asks again.
      return undefined;
    }
    return records;
  });
}

/** The log streams whose records a shard of the test's stream holds. */
async function streamsOn(shardId: string): Promise<Set<string>> {
  const streams = new Set<string>();
  for (const record of await shardRecords(shardId)) {
    if (record.message?.messageType === 'DATA_MESSAGE') streams.add(record.message.logStream);
  }
  return streams;
}

/** What the forwarder's running consumers have heartbeated (their counts since each round began). */
async function consumerProgress(): Promise<ForwardShardProgress[]> {
  const shards = await h.aws.shards.listShards(env.LOGSTREAM_KINESIS_STREAM);
  const progress: ForwardShardProgress[] = [];
  for (const shard of shards) {
    const handle = h.temporal.workflow.getHandle(forwarderWorkflowId(env.LOGSTREAM_KINESIS_STREAM, shard.shardId));
    const description = await handle.describe();
    for (const activity of description.raw.pendingActivities ?? []) {
      const payload = activity.heartbeatDetails?.payloads?.[0];
      if (payload) progress.push(defaultPayloadConverter.fromPayload(payload));
    }
  }
  return progress;
}

/** When the forwarder of a shard first scheduled its consumer (epoch ms, from its workflow's history). */
async function firstRead(shardId: string): Promise<number> {
  const handle = h.temporal.workflow.getHandle(forwarderWorkflowId(env.LOGSTREAM_KINESIS_STREAM, shardId));
  const history = await handle.fetchHistory();
  const scheduled = (history.events ?? []).find(
    (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'forwardShard',
  );
  const seconds = Number(scheduled?.eventTime?.seconds ?? Number.NaN);
  return seconds * 1000 + Math.floor((scheduled?.eventTime?.nanos ?? 0) / 1e6);
}

describe('shard forwarder on the local stack', () => {
  it('stores events written to a routed stream exactly once, in order, through the subscription and Kinesis', async () => {
    const { executionId, stream } = await pushExecution('fwd');
    const other = await pushExecution('fwd-other');
    const expected = [...lines('a', 1, 700), ...lines('a', 701, 300), ...lines('a', 1001, 500)];
    await write(stream, expected.slice(0, 700));
    await write(other.stream, lines('b', 1, 50));
    await write(stream, expected.slice(700, 1000));
    // A stream of the group that is no execution's: delivered too, and skipped.
    await h.aws.source.createStream(h.config.logGroup, `stranger-${suffix}`);
    await write(`stranger-${suffix}`, lines('s', 1, 20));
    await write(stream, expected.slice(1000));

    expectExact(await waitStored(executionId, expected.length), expected);
    expectExact(await waitStored(other.executionId, 50), lines('b', 1, 50));
    // Nothing more arrives once all of it is stored and the forwarder has read past it.
    const after = Date.now();
    await waitFor('the forwarder to read past the writes', async () => {
      const progress = await h.aws.registry.listShardProgress(env.LOGSTREAM_KINESIS_STREAM);
      return progress.length > 0 && progress.every((p) => p.caughtUpTo > after) ? true : undefined;
    });
    expect((await stored(executionId)).length).toBe(expected.length);
    // The stranger's records were read and skipped (heartbeats reach the server within about a second).
    await waitFor('the stranger skipped', async () =>
      (await consumerProgress()).some((c) => c.skipped > 0) ? true : undefined,
    );
  });

  it('stores once a record Kinesis delivers twice (the same Data put again by the test)', async () => {
    const { executionId, stream } = await pushExecution('fwd-dup');
    await write(stream, lines('d', 1, 40));
    await waitStored(executionId, 40);
    const before = (await consumerProgress()).reduce((sum, c) => sum + c.duplicates, 0);

    const record = await recordOf(stream);
    const put = await h.aws.kinesis.send(
      new PutRecordCommand({ StreamName: env.LOGSTREAM_KINESIS_STREAM, Data: record.Data, PartitionKey: stream }),
    );
    expect(put.SequenceNumber).toBeDefined();
    // A line written after the re-put record lands behind it on the same shard: once it is stored, the copy was read.
    await write(stream, lines('d', 41, 1));
    const events = await waitStored(executionId, 41);
    expectExact(events, lines('d', 1, 41));
    const copied = decodeSubscriptionRecord(record.Data ?? new Uint8Array()).message;
    const copiedEvents = copied?.messageType === 'DATA_MESSAGE' ? copied.logEvents.length : 0;
    expect(copiedEvents).toBeGreaterThan(0);
    // The consumer counted the copy's events as duplicates (heartbeats reach the server within about a second).
    const duplicates = await waitFor('the copy counted as duplicates', async () => {
      const total = (await consumerProgress()).reduce((sum, c) => sum + c.duplicates, 0);
      return total - before >= copiedEvents ? total - before : undefined;
    });
    expect(duplicates).toBe(copiedEvents);
    // Read past the copy and beyond: still nothing twice.
    const after = Date.now();
    await waitFor('the forwarder to read past the copy', async () => {
      const progress = await h.aws.registry.listShardProgress(env.LOGSTREAM_KINESIS_STREAM);
      return progress.every((p) => p.caughtUpTo > after) ? true : undefined;
    });
    expectExact(await stored(executionId), lines('d', 1, 41));
  });

  it('hands its shard over when its worker stops: the round ends at its checkpoint, the next worker goes on', async () => {
    const { executionId, stream } = await pushExecution('fwd-handover');
    await write(stream, lines('h', 1, 30));
    await waitStored(executionId, 30);
    second = await startHarness({ env });
    // The first worker stops gracefully (a deploy): its consumer ends the round instead of failing the attempt.
    await h.worker?.stop();
    await write(stream, lines('h', 31, 30));
    expectExact(await waitStored(executionId, 60), lines('h', 1, 60));
    const [shard] = await h.aws.shards.listShards(env.LOGSTREAM_KINESIS_STREAM);
    const handle = h.temporal.workflow.getHandle(
      forwarderWorkflowId(env.LOGSTREAM_KINESIS_STREAM, shard?.shardId ?? ''),
    );
    // The stopped worker's round completed (no failed attempt retried): a fresh round runs, in its first attempt.
    const events = (await handle.fetchHistory()).events ?? [];
    const rounds = new Set(
      events
        .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'forwardShard')
        .map((e) => String(e.eventId)),
    );
    const completed = events.filter((e) =>
      rounds.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? '')),
    );
    expect(completed.length).toBeGreaterThan(0);
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    expect(pending.map((a) => [a.activityType?.name, a.attempt])).toEqual([['forwardShard', 1]]);
  });

  it('a forwarder terminated and started again resumes after the checkpoint kept in DynamoDB, not from the oldest record', async () => {
    const { executionId, stream } = await pushExecution('fwd-restart');
    await write(stream, lines('r', 1, 30));
    await waitStored(executionId, 30);
    const [shard] = await h.aws.shards.listShards(env.LOGSTREAM_KINESIS_STREAM);
    const shardId = shard?.shardId ?? '';
    // The checkpoint rides on the progress reports: it reaches the one the running round heartbeats.
    const kept = await waitFor("the shard's checkpoint kept", async () => {
      const [beat] = await consumerProgress();
      const [progress] = await h.aws.registry.listShardProgress(env.LOGSTREAM_KINESIS_STREAM);
      return beat?.checkpoint !== undefined && progress?.checkpoint === beat.checkpoint ? progress : undefined;
    });
    expect(kept.checkpointAt).toBeGreaterThan(0);
    const handle = h.temporal.workflow.getHandle(forwarderWorkflowId(env.LOGSTREAM_KINESIS_STREAM, shardId));
    await handle.terminate('test: an operator ends the forwarder');
    // Started again as the workers do: a new workflow, with no checkpoint of its own.
    const directory = new TemporalForwarderDirectory({
      client: h.temporal,
      taskQueue: forwarderTaskQueue(env.LOGSTREAM_KINESIS_STREAM),
    });
    await directory.start(env.LOGSTREAM_KINESIS_STREAM, shardId);
    await write(stream, lines('r', 31, 20));
    expectExact(await waitStored(executionId, 50), lines('r', 1, 50));
    // The new round read no record before the checkpoint seen kept (every test's records so far are on this shard:
    // from the oldest record, it would have read them all again). The terminated round may still have moved the kept
    // checkpoint on before it stopped, so the new one may have read fewer.
    // The terminated round's activity may itself store the new lines before it learns it is over, so the new round
    // is judged by what it read, not by what it stored.
    const round = await waitFor('the new round to heartbeat a read', async () =>
      (await consumerProgress()).find((c) => c.reads >= 1),
    );
    const after = (await shardRecords(shardId, kept.checkpoint)).length;
    expect(round.records).toBeLessThanOrEqual(after);
    expect(after).toBeLessThan((await shardRecords(shardId)).length);
  });

  // Last: it leaves the test's stream resharded.
  it('follows a split: each stream stays in order, the children read after their parent is read to its end', async () => {
    const executions = await Promise.all([1, 2, 3].map((i) => pushExecution(`fwd-split${i}`)));
    const batch = async (from: number): Promise<void> => {
      for (const { stream } of executions) await write(stream, lines(stream, from, 50));
    };
    await batch(1);
    await batch(51);
    await h.aws.kinesis.send(
      new UpdateShardCountCommand({
        StreamName: env.LOGSTREAM_KINESIS_STREAM,
        TargetShardCount: 2,
        ScalingType: 'UNIFORM_SCALING',
      }),
    );
    await batch(101);
    await batch(151);
    for (const { executionId, stream } of executions) {
      expectExact(await waitStored(executionId, 200), lines(stream, 1, 200));
    }
    const shards = await h.aws.shards.listShards(env.LOGSTREAM_KINESIS_STREAM);
    const closed = shards.filter((s) => s.closed);
    const open = shards.filter((s) => !s.closed);
    expect(closed.length).toBeGreaterThan(0);
    expect(open).toHaveLength(2);
    const forwarder = (shardId: string) =>
      h.temporal.workflow.getHandle(forwarderWorkflowId(env.LOGSTREAM_KINESIS_STREAM, shardId)).describe();
    // The parent's forwarder completed once its shard was read to the end; each child's started after it and runs.
    for (const parent of closed) {
      const ended = await forwarder(parent.shardId);
      expect(ended.status.name).toBe('COMPLETED');
      for (const child of open.filter((s) => s.parentShardId === parent.shardId)) {
        const running = await forwarder(child.shardId);
        expect(running.status.name).toBe('RUNNING');
        expect(await firstRead(child.shardId)).toBeGreaterThanOrEqual(ended.closeTime?.getTime() ?? Infinity);
      }
    }
    const progress = await h.aws.registry.listShardProgress(env.LOGSTREAM_KINESIS_STREAM);
    for (const parent of closed) expect(progress.find((p) => p.shardId === parent.shardId)?.closed).toBe(true);
    // ListShards' hash key ranges say where Kinesis put each stream (MD5 of its name): the seals wait for those alone.
    for (const { stream } of executions) {
      const holding = shardsHolding(shards, [stream]);
      const child = holding?.find((s) => !s.closed);
      expect(holding?.filter((s) => s.closed).map((s) => s.shardId)).toEqual(closed.map((s) => s.shardId));
      expect(await streamsOn(child?.shardId ?? '')).toContain(stream);
      const other = open.find((s) => s.shardId !== child?.shardId);
      expect(await streamsOn(other?.shardId ?? '')).not.toContain(stream);
    }
  });
});
