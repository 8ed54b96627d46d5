// Subscription delivery as AWS documents it, on the test stack: the strict layer's delivery model takes a Kinesis
// destination over (the emulator delivers to a staging stream) and delivers on as AWS may: late, again under a new
// sequence number, not at all while the filter is disabled, and no faster than the destination shard takes in.
// Every test waits for states and counters; none measures how long anything took.
import { gunzipSync } from 'node:zlib';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DescribeSubscriptionFiltersCommand,
  PutLogEventsCommand,
  PutSubscriptionFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../../src/adapters/kinesis/kinesis-client';
import type { DeliveredMessage } from '../../src/devstack/strict-aws/subscription-record';
import { newExecutionId, waitFor } from '../support/harness';
import { strictAws, type DeliveryPatch } from '../support/strict-aws';

const endpoint = process.env.AWS_ENDPOINT_URL;
const region = process.env.AWS_REGION ?? 'us-east-1';
const clientConfig = { endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const ROLE = 'arn:aws:iam::123456789012:role/logstream-subscription';
// Fast lag for the tests that are not about lag: the model still delivers asynchronously, after the call.
const BASE: DeliveryPatch = {
  mode: 'modelled',
  seed: 7,
  lag: { medianMs: 50, p99Ms: 50 },
  repeatFraction: 0,
  splitFraction: 0,
  mergeFraction: 0,
};

const strict = strictAws();
const logs = new CloudWatchLogsClient(clientConfig);
const kinesis = createKinesisClient(clientConfig);
const run = newExecutionId('delivery-model');
const streamName = `delivery-model-${run}`;
const logGroup = `/logstream/test/${run}`;
let streamArn = '';

interface Arrived {
  sequenceNumber: string;
  arrivalMs: number;
  message: DeliveredMessage;
}

/** A subscription record's message; undefined for anything else (the client's own test record). */
function decoded(data: Uint8Array | undefined): DeliveredMessage | undefined {
  try {
    return JSON.parse(gunzipSync(data ?? new Uint8Array()).toString('utf8')) as DeliveredMessage;
  } catch {
    return undefined;
  }
}

/** Everything delivered to the destination's one shard so far, read on from where the last read stopped. */
const arrived: Arrived[] = [];
let iterator: string | undefined;
async function readDestination(): Promise<Arrived[]> {
  if (iterator === undefined) {
    const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
    const opened = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: Shards?.[0]?.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    iterator = opened.ShardIterator;
  }
  // GetRecords takes 5 calls/s per shard: waitFor's pause keeps under it, and a throttled call is tried again.
  const output = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
  iterator = output.NextShardIterator;
  for (const record of output.Records ?? []) {
    const message = decoded(record.Data);
    if (message === undefined) continue;
    arrived.push({
      sequenceNumber: record.SequenceNumber ?? '',
      arrivalMs: record.ApproximateArrivalTimestamp?.getTime() ?? 0,
      message,
    });
  }
  return arrived;
}

/** The DATA_MESSAGE records of one log stream delivered so far. */
async function recordsOf(stream: string): Promise<Arrived[]> {
  const all = await readDestination();
  return all.filter((r) => r.message.messageType === 'DATA_MESSAGE' && r.message.logStream === stream);
}

/** Waits until every one of `lines` of `stream` has arrived; returns the stream's records. */
function waitForLines(stream: string, lines: readonly string[]): Promise<Arrived[]> {
  return waitFor(`${lines.length} lines of ${stream} delivered`, async () => {
    const records = await recordsOf(stream);
    const seen = new Set(records.flatMap((r) => r.message.logEvents.map((e) => e.message)));
    return lines.every((line) => seen.has(line)) ? records : undefined;
  });
}

async function putLines(stream: string, lines: readonly string[]): Promise<number> {
  const before = Date.now();
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: logGroup,
      logStreamName: stream,
      logEvents: lines.map((message) => ({ timestamp: before, message })),
    }),
  );
  return before;
}

async function newLogStream(name: string): Promise<string> {
  await logs.send(new CreateLogStreamCommand({ logGroupName: logGroup, logStreamName: name }));
  return name;
}

beforeAll(async () => {
  await strict.resetDelivery();
  await strict.setDelivery(BASE);
  await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 1 }));
  const summary = await waitFor('the destination stream ACTIVE', async () => {
    const { StreamDescriptionSummary: s } = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: streamName }),
    );
    return s?.StreamStatus === 'ACTIVE' ? s : undefined;
  });
  streamArn = summary.StreamARN ?? '';
  await logs.send(new CreateLogGroupCommand({ logGroupName: logGroup }));
  await logs.send(
    new PutSubscriptionFilterCommand({
      logGroupName: logGroup,
      filterName: 'logstream-forwarder',
      filterPattern: '',
      destinationArn: streamArn,
      roleArn: ROLE,
      distribution: 'ByLogStream',
    }),
  );
});

afterEach(async () => {
  await strict.enableDelivery();
  await strict.setDelivery({ ...BASE, shardLimits: { bytesPerSecond: 1_048_576, recordsPerSecond: 1_000 } });
});

afterAll(async () => {
  await strict.resetDelivery();
  await logs.send(new DeleteLogGroupCommand({ logGroupName: logGroup })).catch(() => undefined);
  for (const name of [streamName, `${streamName}-strict-staging`]) {
    await kinesis.send(new DeleteStreamCommand({ StreamName: name })).catch(() => undefined);
  }
  logs.destroy();
  kinesis.destroy();
});

test('the filter shows the destination it was given, and CloudWatch’s check reaches it first', async () => {
  const { subscriptionFilters } = await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: logGroup }));
  expect(subscriptionFilters?.map((f) => f.destinationArn)).toEqual([streamArn]);
  const first = await waitFor('the first record', async () => (await readDestination())[0]);
  expect(first.message.messageType).toBe('CONTROL_MESSAGE');
});

test('delivery is lagged: a record reaches Kinesis no sooner than its lag after ingestion', async () => {
  await strict.setDelivery({ lag: { medianMs: 1_500, p99Ms: 1_500 } });
  const stream = await newLogStream('lagged');
  const lines = ['lagged 1', 'lagged 2'];
  const putAt = await putLines(stream, lines);
  const [record] = await waitForLines(stream, lines);
  // Both clocks are this machine's; a loaded machine only makes the gap larger.
  expect(record?.arrivalMs ?? 0).toBeGreaterThanOrEqual(putAt + 1_400);
  expect((await strict.delivery()).counters.maxLagMs).toBeGreaterThanOrEqual(1_500);
});

test('a repeated record arrives again under a new sequence number', async () => {
  await strict.setDelivery({ repeatFraction: 1 });
  const stream = await newLogStream('repeated');
  const lines = ['again 1', 'again 2', 'again 3', 'again 4'];
  await putLines(stream, lines);
  const records = await waitFor('every line delivered twice', async () => {
    const got = await recordsOf(stream);
    const count = got.flatMap((r) => r.message.logEvents.map((e) => e.message)).length;
    return count >= 2 * lines.length ? got : undefined;
  });
  const ids = records.flatMap((r) => r.message.logEvents.map((e) => e.id));
  expect(new Set(ids).size).toBe(lines.length);
  expect(ids).toHaveLength(2 * lines.length);
  expect(new Set(records.map((r) => r.sequenceNumber)).size).toBe(records.length);
  expect((await strict.delivery()).counters.repeated).toBeGreaterThanOrEqual(1);
});

test('events ingested while delivery is disabled never arrive; those before and after do', async () => {
  const stream = await newLogStream('disabled');
  await putLines(stream, ['before the window']);
  const skippedBefore = (await strict.delivery()).counters.skipped;
  await strict.disableDelivery({ seconds: 600, logGroup });
  await putLines(stream, ['inside the window 1', 'inside the window 2']);
  await strict.enableDelivery({ logGroup });
  await putLines(stream, ['after the window']);
  // One stream's records keep their order: once the last is in, the skipped one would have been before it.
  const records = await waitForLines(stream, ['before the window', 'after the window']);
  expect(records.flatMap((r) => r.message.logEvents.map((e) => e.message))).toEqual([
    'before the window',
    'after the window',
  ]);
  expect((await strict.delivery()).counters.skipped).toBeGreaterThan(skippedBefore);
});

test('the destination shard’s write limit delays delivery but loses nothing, and refuses a client over it', async () => {
  await strict.setDelivery({
    lag: { medianMs: 2_000, p99Ms: 2_000 },
    shardLimits: { recordsPerSecond: 1, bytesPerSecond: 0 },
  });
  const before = (await strict.delivery()).counters.delayedByLimits;
  const streams = await Promise.all(Array.from({ length: 6 }, (_, i) => newLogStream(`limited-${i}`)));
  await Promise.all(streams.map((stream) => putLines(stream, [`${stream} line`])));
  for (const stream of streams) {
    const records = await waitForLines(stream, [`${stream} line`]);
    expect(records.flatMap((r) => r.message.logEvents.map((e) => e.message))).toEqual([`${stream} line`]);
  }
  expect((await strict.delivery()).counters.delayedByLimits).toBeGreaterThan(before);

  // A client writing to the shard meets the same limit: Kinesis' ProvisionedThroughputExceededException.
  const single = createKinesisClient({ ...clientConfig, maxAttempts: 1 });
  try {
    const refused = await waitFor('a PutRecord over the shard’s limit', async () => {
      try {
        await single.send(new PutRecordCommand({ StreamName: streamName, PartitionKey: 'k', Data: Buffer.from('x') }));
        return undefined;
      } catch (error) {
        return (error as Error).name;
      }
    });
    expect(refused).toBe('ProvisionedThroughputExceededException');
  } finally {
    single.destroy();
  }
});
