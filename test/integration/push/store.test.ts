import { GetItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDbPushRegistry } from '../../../src/adapters/dynamodb/dynamodb-push-registry';
import { itemSize } from '../../../src/adapters/dynamodb/item-size';
import { routeKey } from '../../../src/adapters/dynamodb/log-items';
import type { LogLocation } from '../../../src/domain';
import { PushedLogWriter, readStoredEvents, type PushedRecord } from '../../../src/ports';
import { createAwsAdapters, type AwsAdapters } from '../../../src/compose/wiring';
import { newExecutionId, testConfig } from '../../support/harness';
import { describePushRegistryContract } from '../../support/push-registry-contract';
import { seededRandom } from '../../support/fakes';
import { strictAws } from '../../support/strict-aws';

// Push ingest's store side on the local stack, every call through the strict AWS layer: the writer's
// exactly-once appends, the registry, the ingest mode of a record and the seal's expiry of routes.

const config = testConfig();
let aws: AwsAdapters;
beforeAll(() => {
  aws = createAwsAdapters(config);
});
afterAll(() => aws?.destroy());

describePushRegistryContract('DynamoDbPushRegistry through the strict layer', () => aws.registry);

const GROUP = config.logGroup;
const SHARD = 'shardId-000000000000';
const T0 = Date.now() - 60_000;

/**
 * A shard's records for one stream, as AWS shapes them: 56-digit sequence numbers, and 56-digit event
 * ids consecutive within one PutLogEvents call (here, one record) and far apart between calls.
 */
function shardRecords(stream: string, count: number, seed: number): PushedRecord[] {
  const random = seededRandom(seed);
  const records: PushedRecord[] = [];
  let seq = 49546986683135544286507457936321625675700192471156785154n + BigInt(seed) * 10n ** 20n;
  let id = 31953106606966983378809025079804211143289615424298221568n + BigInt(seed) * 10n ** 40n;
  let n = 0;
  while (n < count) {
    const size = Math.min(count - n, 1 + Math.floor(random() * 6));
    id += 10n ** 30n * BigInt(1 + Math.floor(random() * 1000));
    const events = Array.from({ length: size }, (_, i) => ({
      id: (id + BigInt(i)).toString(),
      timestamp: T0 + n + i,
      message: `${stream} line ${n + i + 1}`,
    }));
    seq += BigInt(1 + Math.floor(random() * 1e6));
    records.push({ shardId: SHARD, sequenceNumber: seq.toString(), logStream: stream, events });
    n += size;
  }
  return records;
}

const messages = (records: readonly PushedRecord[]): string[] =>
  records.flatMap((record) => record.events.map((event) => event.message));

async function storedMessages(executionId: string): Promise<{ index: number; message: string }[]> {
  const page = await readStoredEvents(aws.store, executionId, 0, Number.MAX_SAFE_INTEGER);
  return page.events.map((event) => ({ index: event.index, message: event.message }));
}

const numbered = (expected: readonly string[]) => expected.map((message, i) => ({ index: i + 1, message }));

describe('PushedLogWriter on DynamoDB', () => {
  test('stores each event once with dense indexes; redelivered and re-put records add nothing', async () => {
    const id = newExecutionId('push-once');
    const location: LogLocation = { logGroup: GROUP, logStreams: ['app'] };
    const records = shardRecords('app', 120, 1);
    const writer = new PushedLogWriter(aws.store, { executionId: id, location });
    let appended = 0;
    for (let at = 0; at < records.length; at += 7)
      appended += (await writer.append(records.slice(at, at + 7))).appended;
    expect(appended).toBe(120);
    // Kinesis delivers a record again; a restarted forwarder re-reads from an old checkpoint; CloudWatch puts
    // a call's events again as a new record (a later sequence number).
    const repeat = records[10] as PushedRecord;
    const later = (BigInt(records.at(-1)?.sequenceNumber ?? '0') + 1n).toString();
    const fresh = new PushedLogWriter(aws.store, { executionId: id, location });
    const again = await fresh.append([repeat, ...records.slice(5), { ...repeat, sequenceNumber: later }]);
    expect(again.appended).toBe(0);
    expect(again.lastIndex).toBe(120);
    expect(await storedMessages(id)).toEqual(numbered(messages(records)));
    // The ids are stored with the events and come back.
    const ids: (string | undefined)[] = [];
    for await (const chunk of aws.store.readChunks(id, 1)) ids.push(...chunk.events.map((e) => e.eventId));
    expect(ids).toEqual(records.flatMap((r) => r.events.map((e) => e.id)));
    const tip = await fresh.tipOf('app');
    expect(tip.firstId).toBe(records[0]?.events[0]?.id);
    expect(tip.recentIds?.at(-1)).toBe(records.at(-1)?.events.at(-1)?.id);
    expect(tip.sequenceNumber).toBe(records.at(-1)?.sequenceNumber);
  });

  test('three writers racing over the same records, under throttled writes, store each event once', async () => {
    const id = newExecutionId('push-race');
    const location: LogLocation = { logGroup: GROUP, logStreams: ['app', 'err'] };
    const app = shardRecords('app', 150, 2);
    const err = shardRecords('err', 150, 3);
    const records = app.flatMap((record, i) => [record, ...(err[i] ? [err[i]] : [])]).concat(err.slice(app.length));
    const strict = strictAws();
    const putItems = async () => (await strict.stats()).operations['dynamodb:PutItem'] ?? { calls: 0, throttled: 0 };
    const before = await putItems();
    await strict.fault({ service: 'dynamodb', kind: 'throttle', fraction: 0.2, operations: ['PutItem'] });
    try {
      await Promise.all(
        [5, 9, 13].map(async (batch) => {
          const writer = new PushedLogWriter(aws.store, {
            executionId: id,
            location,
            chunkLimits: { maxBytes: 4000, maxEvents: 11 },
          });
          for (let at = 0; at < records.length;) {
            try {
              await writer.append(records.slice(at, at + batch));
              at += batch;
            } catch (error) {
              // Throttled past the SDK's retries: the same batch again, as a retried activity would.
              if ((error as { retryable?: unknown }).retryable !== true) throw error;
            }
          }
        }),
      );
    } finally {
      await strict.clearFaults();
    }
    expect(await storedMessages(id)).toEqual(numbered(messages(records)));
    // The writers did meet throttling, and lost races (more chunk puts than chunks stored).
    const after = await putItems();
    let chunks = 0;
    for await (const chunk of aws.store.readChunks(id, 1)) chunks += chunk.events.length > 0 ? 1 : 0;
    expect(after.throttled - before.throttled).toBeGreaterThan(0);
    expect(after.calls - before.calls - (after.throttled - before.throttled)).toBeGreaterThan(chunks);
  });

  test('events found missing by the seal’s check are stored after the tip, once', async () => {
    const id = newExecutionId('push-missing');
    const location: LogLocation = { logGroup: GROUP, logStreams: ['app'] };
    const records = shardRecords('app', 10, 4);
    const writer = new PushedLogWriter(aws.store, { executionId: id, location });
    await writer.append(records);
    const missing = [
      { eventId: '99999999999999999999999999999999999999999999999999999990', timestamp: T0 + 50, message: 'lost 1' },
      { eventId: '99999999999999999999999999999999999999999999999999999991', timestamp: T0 + 51, message: 'lost 2' },
    ];
    expect(await writer.appendMissing('app', missing)).toEqual({ appended: 2, lastIndex: 12 });
    const other = new PushedLogWriter(aws.store, { executionId: id, location });
    expect(await other.appendMissing('app', missing)).toEqual({ appended: 0, lastIndex: 12 });
    expect(await storedMessages(id)).toEqual(numbered([...messages(records), 'lost 1', 'lost 2']));
  });

  test('a chunk item with a full window of 256 ids: its size as stored', async () => {
    const id = newExecutionId('push-window');
    const location: LogLocation = { logGroup: GROUP, logStreams: ['app'] };
    const records = shardRecords('app', 300, 5);
    await new PushedLogWriter(aws.store, { executionId: id, location }).append(records);
    const writer = new PushedLogWriter(aws.store, { executionId: id, location });
    // One more event: a chunk of one 120-byte line carrying the full window, as live pushes write them.
    const last = records.at(-1) as PushedRecord;
    const next = (BigInt(last.sequenceNumber) + 1n).toString();
    const event = {
      id: `${BigInt(last.events.at(-1)?.id ?? '0') + 10n ** 31n}`,
      timestamp: T0 + 400,
      message: 'x'.repeat(120),
    };
    await writer.append([{ shardId: SHARD, sequenceNumber: next, logStream: 'app', events: [event] }]);
    expect((await writer.tipOf('app')).recentIds).toHaveLength(256);
    const { Item } = await aws.dynamodb.send(
      new GetItemCommand({ TableName: config.table, Key: { execution_id: { S: id }, seq: { N: '301' } } }),
    );
    const size = itemSize(Item ?? {});
    // The window packed (a number for each id that follows the one before it in its call) and gzipped.
    expect(Item?.cursor_z?.B).toBeDefined();
    expect(size).toBeGreaterThan(300);
    expect(size).toBeLessThan(2 * 1024);
  });
});

describe('records and the seal of pushed executions', () => {
  test('registerExecution keeps the ingest mode; a record without one stays without', async () => {
    const pushed = newExecutionId('push-record');
    const polled = newExecutionId('poll-record');
    const location: LogLocation = { logGroup: GROUP, logStreams: ['app'] };
    await aws.store.registerExecution({ executionId: pushed, location, startedAt: T0, ingest: 'push' });
    await aws.store.registerExecution({ executionId: polled, location, startedAt: T0 });
    expect((await aws.store.getExecution(pushed))?.ingest).toBe('push');
    expect(Object.hasOwn((await aws.store.getExecution(polled)) ?? {}, 'ingest')).toBe(false);
    // Registered again (a retried activity): the first record stands, its mode with it.
    const again = await aws.store.registerExecution({
      executionId: pushed,
      location,
      startedAt: T0 + 1,
      ingest: 'poll',
    });
    expect(again.ingest).toBe('push');
  });

  test("the seal gives the execution's routes its expiry (not another's); after it, appends are refused", async () => {
    const id = newExecutionId('push-seal');
    const stream = `external/${id}`;
    const foreign = `external/${id}-foreign`;
    const location: LogLocation = { logGroup: GROUP, logStreams: [stream, foreign] };
    await aws.store.registerExecution({ executionId: id, location, startedAt: T0, ingest: 'push' });
    await aws.registry.putRoute({ logGroup: GROUP, logStream: stream, executionId: id });
    // The second stream was routed to another execution first: its route is not this log's to expire.
    await aws.registry.putRoute({ logGroup: GROUP, logStream: foreign, executionId: `${id}-other` });
    const writer = new PushedLogWriter(aws.store, { executionId: id, location });
    const records = shardRecords(stream, 5, 6);
    await writer.append(records);
    const expiresAt = Math.floor(Date.now() / 1000) + 7 * 86_400;
    await aws.store.sealLog(
      id,
      { status: 'SUCCEEDED', completedAt: T0 + 10, lastIndex: 5, sealedAt: Date.now() },
      expiresAt,
    );

    const expiryOf = async (logStream: string): Promise<string | undefined> => {
      const { Item } = await aws.dynamodb.send(
        new GetItemCommand({ TableName: config.table, Key: routeKey(GROUP, logStream), ConsistentRead: true }),
      );
      return Item?.expires_at?.N;
    };
    expect(await expiryOf(stream)).toBe(String(expiresAt));
    // The other execution's route keeps the provisional expiry it was written with.
    expect(Number(await expiryOf(foreign))).toBeGreaterThan(expiresAt);
    // The record and the fence get the seal's expiry; the chunks keep their provisional one, which is later (the
    // seal rewrites none of them): nothing of the log expires before its retention, nothing lives forever.
    const { Items } = await aws.dynamodb.send(
      new QueryCommand({
        TableName: config.table,
        KeyConditionExpression: 'execution_id = :id',
        ExpressionAttributeValues: { ':id': { S: id } },
        ConsistentRead: true,
      }),
    );
    const expiries = new Map(
      (Items ?? []).map((item: Record<string, AttributeValue>) => [item.seq?.N, item.expires_at?.N]),
    );
    expect([expiries.get('0'), expiries.get('6')]).toEqual([String(expiresAt), String(expiresAt)]);
    for (const [seq, expiry] of expiries)
      expect({ seq, later: Number(expiry) >= expiresAt }).toEqual({ seq, later: true });

    // Past the expiry (before DynamoDB's TTL removes it) the route is gone for readers, and the stream can be routed anew.
    const later = new DynamoDbPushRegistry({
      client: aws.dynamodb,
      tableName: config.table,
      now: () => (expiresAt + 1) * 1000,
    });
    expect(await later.getRoute(GROUP, stream)).toBeUndefined();
    expect((await later.putRoute({ logGroup: GROUP, logStream: stream, executionId: `${id}-next` })).executionId).toBe(
      `${id}-next`,
    );

    let code: unknown;
    try {
      await writer.append(shardRecords(stream, 8, 6));
    } catch (error) {
      code = (error as { code?: unknown }).code;
    }
    expect(code).toBe('LOG_SEALED');
    expect((await storedMessages(id)).map((e) => e.index)).toEqual([1, 2, 3, 4, 5]);
  });
});
