import { gunzipSync } from 'node:zlib';
import { PutSubscriptionFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DeleteStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { CloudWatchLogSource } from '../../../src/adapters/cloudwatch/cloudwatch-log-source';
import { ensureLogGroup } from '../../../src/adapters/cloudwatch/provision';
import { ensureSubscription, SUBSCRIPTION_FILTER_NAME } from '../../../src/adapters/cloudwatch/subscription';
import { ensureKinesisStream } from '../../../src/adapters/kinesis/provision';
import type { SubscriptionMessage } from '../../../src/domain';
import { runProvision } from '../../../src/main/provision';
import { createAwsAdapters, type AwsAdapters } from '../../../src/compose/wiring';
import type { ShardRecord } from '../../../src/ports';
import { newExecutionId, testConfig, waitFor } from '../../support/harness';

// CloudWatch Logs -> Kinesis delivery on the local stack, held to AWS's contract (the emulator's launcher keeps
// it): with `distribution: ByLogStream` one log stream's events stay on one shard, in order, after resharding
// too; a split parent keeps its records and its children take the new ones; event ids are strings, the same as
// FilterLogEvents' `eventId`s. Everything goes through the strict AWS layer (model checks, GetRecords' 5 calls/s
// per shard, expiring iterators) with the project's own adapters.

const ROLE = 'arn:aws:iam::123456789012:role/logstream-subscription';
const STREAMS = 12;
const PUTS_PER_STREAM = 3;
const EVENTS_PER_PUT = 4;

interface Delivered {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly message: SubscriptionMessage | undefined;
}

let aws: AwsAdapters;
let streamName: string;
let logGroup: string;

beforeAll(() => {
  aws = createAwsAdapters(testConfig());
  const run = newExecutionId('delivery');
  streamName = `logstream-test-${run}`;
  logGroup = `/logstream/test/${run}`;
});

afterAll(async () => {
  for (const name of [streamName, `${streamName}-provisioned`]) {
    await aws.kinesis.send(new DeleteStreamCommand({ StreamName: name })).catch(() => undefined);
  }
  aws.destroy();
});

/** Every record of a shard from its oldest: to its end when it is closed, else up to its tip. */
async function readShard(shardId: string): Promise<Delivered[]> {
  const delivered: Delivered[] = [];
  // GetRecords is held to 5 calls/s per shard: a throttled read is simply tried again.
  let iterator: string | undefined = await aws.shards.iteratorAfter(streamName, shardId, undefined);
  for (;;) {
    const current: string = iterator;
    const read = await waitFor(`GetRecords on ${shardId}`, () => aws.shards.read(current));
    delivered.push(
      ...read.records.map((r: ShardRecord) => ({ shardId, sequenceNumber: r.sequenceNumber, message: r.message })),
    );
    if (read.nextIterator === undefined) return delivered;
    if (read.records.length === 0 && read.millisBehindLatest === 0) return delivered;
    iterator = read.nextIterator;
  }
}

/** Writes PUTS_PER_STREAM batches to each of STREAMS log streams, all streams at once; returns the lines by stream. */
async function writeAll(phase: string): Promise<Map<string, string[]>> {
  const lines = new Map<string, string[]>();
  await Promise.all(
    Array.from({ length: STREAMS }, async (_, s) => {
      const stream = `job-${s}/stdout`;
      const written: string[] = [];
      await aws.source.createStream(logGroup, stream);
      for (let put = 0; put < PUTS_PER_STREAM; put++) {
        const batch = Array.from({ length: EVENTS_PER_PUT }, (_, e) => `${phase} ${stream} put ${put} line ${e}`);
        await aws.source.putEvents(
          logGroup,
          stream,
          batch.map((message) => ({ timestamp: Date.now(), message })),
        );
        written.push(...batch);
      }
      lines.set(stream, written);
    }),
  );
  return lines;
}

/** The DATA_MESSAGEs of `records` by log stream: which shards they came from, and their events in order. */
function byLogStream(records: readonly Delivered[]): Map<string, { shards: string[]; ids: string[]; lines: string[] }> {
  const streams = new Map<string, { shards: string[]; ids: string[]; lines: string[] }>();
  for (const record of records) {
    const message = record.message;
    if (message?.messageType !== 'DATA_MESSAGE') continue;
    expect(message.logGroup).toBe(logGroup);
    const entry = streams.get(message.logStream) ?? { shards: [], ids: [], lines: [] };
    if (!entry.shards.includes(record.shardId)) entry.shards.push(record.shardId);
    entry.ids.push(...message.logEvents.map((e) => e.id));
    entry.lines.push(...message.logEvents.map((e) => e.message));
    streams.set(message.logStream, entry);
  }
  return streams;
}

test('the test stack, like npm start, subscribes its log group to the default stream', async () => {
  const config = testConfig();
  expect(config.kinesisStream).toBe('logstream-log-events');
  expect(await aws.audit.hasSubscription(config.logGroup)).toBe(true);
  const shards = await aws.shards.listShards(config.kinesisStream);
  expect(shards.filter((s) => !s.closed).length).toBeGreaterThanOrEqual(1);
});

test('provisioning is idempotent: the stream is ACTIVE and the filter is put once', async () => {
  const first = await ensureKinesisStream(aws.kinesis, streamName, 1);
  expect(first).toMatchObject({ streamName, created: true, openShards: 1 });
  expect(first.streamArn).toMatch(new RegExp(`^arn:aws:kinesis:us-east-1:\\d{12}:stream/${streamName}$`));
  await expect(ensureKinesisStream(aws.kinesis, streamName, 1)).resolves.toMatchObject({ created: false });
  // On-demand (the default on AWS): Kinesis sizes the stream; it comes up ACTIVE with shards of its choosing.
  const onDemand = await ensureKinesisStream(aws.kinesis, `${streamName}-on-demand`, 'on-demand');
  expect(onDemand).toMatchObject({ created: true });
  expect(onDemand.openShards).toBeGreaterThanOrEqual(1);
  await ensureLogGroup(aws.cloudwatch, logGroup);
  const spec = { logGroup, streamArn: first.streamArn, roleArn: ROLE };
  expect(await ensureSubscription(aws.cloudwatch, spec)).toBe('created');
  expect(await ensureSubscription(aws.cloudwatch, spec)).toBe('unchanged');
  expect(await ensureSubscription(aws.cloudwatch, { ...spec, roleArn: `${ROLE}-2` })).toBe('updated');
  expect(await ensureSubscription(aws.cloudwatch, spec)).toBe('updated');

  // The log source says which groups deliver to its stream.
  const audit = new CloudWatchLogSource({ client: aws.cloudwatch, kinesisStream: streamName });
  expect(await audit.hasSubscription(logGroup)).toBe(true);
  expect(await audit.hasSubscription(`${logGroup}-none`)).toBe(false);
  const otherStream = new CloudWatchLogSource({ client: aws.cloudwatch, kinesisStream: `${streamName}-other` });
  expect(await otherStream.hasSubscription(logGroup)).toBe(false);
});

test('a log group with two other filters refuses logstream’s with a clear error', async () => {
  const crowded = `${logGroup}-crowded`;
  await ensureLogGroup(aws.cloudwatch, crowded);
  const { streamArn } = await ensureKinesisStream(aws.kinesis, streamName, 1);
  for (const filterName of ['someone-else-1', 'someone-else-2']) {
    await aws.cloudwatch.send(
      new PutSubscriptionFilterCommand({
        logGroupName: crowded,
        filterName,
        filterPattern: '',
        destinationArn: streamArn,
        roleArn: ROLE,
      }),
    );
  }
  const error: { code?: string; message?: string } = await ensureSubscription(aws.cloudwatch, {
    logGroup: crowded,
    streamArn,
    roleArn: ROLE,
  }).then(
    (outcome) => ({ message: `no error but ${outcome}` }),
    (e: unknown) => e as { code?: string; message?: string },
  );
  expect(error).toMatchObject({ code: 'PROVISION_FAILED' });
  expect(error.message).toContain(`${SUBSCRIPTION_FILTER_NAME} on log group ${crowded}`);
  expect(error.message).toContain('two subscription filters');
  expect(error.message).toContain('LOGSTREAM_INGEST=poll');
});

test('after resharding each log stream stays on one shard, in order, with string ids equal to FilterLogEvents’', async () => {
  const before = await writeAll('before');
  // 1 -> 2 -> 4 open shards (AWS doubles at most per call), through the strict layer's model check.
  for (const target of [2, 4]) {
    await aws.kinesis.send(
      new UpdateShardCountCommand({ StreamName: streamName, TargetShardCount: target, ScalingType: 'UNIFORM_SCALING' }),
    );
  }
  const after = await writeAll('after');

  const shards = await aws.shards.listShards(streamName);
  expect(shards.filter((s) => !s.closed)).toHaveLength(4);
  const parent = shards.find((s) => s.parentShardId === undefined && s.adjacentParentShardId === undefined);
  if (parent === undefined) throw new Error('no root shard');
  expect(parent.closed).toBe(true);

  // The closed parent keeps what arrived before the split, starting with CloudWatch's check of the destination,
  // and ends with its children.
  const parentRecords = await readShard(parent.shardId);
  expect(parentRecords[0]?.message).toEqual({ messageType: 'CONTROL_MESSAGE' });
  const beforeDelivered = byLogStream(parentRecords);
  expect(parentRecords.filter((r) => r.message?.messageType === 'DATA_MESSAGE')).toHaveLength(
    STREAMS * PUTS_PER_STREAM,
  );
  for (const [stream, lines] of before) expect(beforeDelivered.get(stream)?.lines).toEqual(lines);

  // The open shards hold only what came after, each stream's on one shard and in the order written.
  const openRecords = (await Promise.all(shards.filter((s) => !s.closed).map((s) => readShard(s.shardId)))).flat();
  const afterDelivered = byLogStream(openRecords);
  expect(openRecords.filter((r) => r.message?.messageType === 'DATA_MESSAGE')).toHaveLength(STREAMS * PUTS_PER_STREAM);
  for (const [stream, lines] of after) {
    expect({ stream, shards: afterDelivered.get(stream)?.shards.length }).toEqual({ stream, shards: 1 });
    expect(afterDelivered.get(stream)?.lines).toEqual(lines);
  }
  // Many streams really spread over several shards (else "one shard per stream" proves nothing).
  expect(new Set([...afterDelivered.values()].map((s) => s.shards[0])).size).toBeGreaterThan(1);

  // Ids: strings on the wire, and FilterLogEvents names the same events with the same ids.
  for (const [stream, lines] of before) {
    const ids = [...(beforeDelivered.get(stream)?.ids ?? []), ...(afterDelivered.get(stream)?.ids ?? [])];
    const page = await waitFor('a FilterLogEvents page', () => aws.source.filterStream(logGroup, stream, {}));
    expect(page.nextToken).toBeUndefined();
    expect(page.events.map((e) => e.message)).toEqual([...lines, ...(after.get(stream) ?? [])]);
    expect(page.events.map((e) => e.eventId)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  }
  const child = shards.find((s) => !s.closed);
  const { ShardIterator } = await aws.kinesis.send(
    new GetShardIteratorCommand({ StreamName: streamName, ShardId: child?.shardId, ShardIteratorType: 'TRIM_HORIZON' }),
  );
  const raw = await waitFor('a raw GetRecords answer', () =>
    aws.kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 1 })),
  );
  const payload = JSON.parse(gunzipSync(raw.Records?.[0]?.Data ?? new Uint8Array()).toString('utf8')) as {
    logEvents: { id: unknown }[];
  };
  expect(payload.logEvents.map((e) => typeof e.id)).toEqual(Array(EVENTS_PER_PUT).fill('string'));
});

test('npm run provision creates the stream and the filter once, and says so', async () => {
  const env = {
    ...process.env,
    LOGSTREAM_LOG_GROUP: `${logGroup}-provisioned`,
    LOGSTREAM_KINESIS_STREAM: `${streamName}-provisioned`,
    LOGSTREAM_KINESIS_SHARDS: '2',
  };
  const first: string[] = [];
  expect(await runProvision(env, (line) => first.push(line))).toBe(0);
  expect(first.join('\n')).toContain(`Kinesis stream ${streamName}-provisioned: created, ACTIVE, 2 open shards`);
  expect(first.join('\n')).toContain(`subscription filter logstream-forwarder on ${logGroup}-provisioned: created`);
  const second: string[] = [];
  expect(await runProvision(env, (line) => second.push(line))).toBe(0);
  expect(second.join('\n')).toContain(`Kinesis stream ${streamName}-provisioned: ACTIVE, 2 open shards`);
  expect(second.join('\n')).toContain(`on ${logGroup}-provisioned: unchanged`);
  const audit = new CloudWatchLogSource({ client: aws.cloudwatch, kinesisStream: `${streamName}-provisioned` });
  expect(await audit.hasSubscription(`${logGroup}-provisioned`)).toBe(true);
});
