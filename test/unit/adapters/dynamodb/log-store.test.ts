import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DynamoDbLogStore } from '../../../../src/adapters/dynamodb/dynamodb-log-store';
import { itemSize } from '../../../../src/adapters/dynamodb/item-size';
import { chunkItem, toChunk } from '../../../../src/adapters/dynamodb/log-items';
import { managedLogStream, type LogChunk, type LogSeal } from '../../../../src/domain';
import { seededRandom } from '../../../support/fakes';

// The adapter's mapping of DynamoDB's answers to the store's errors, with a scripted client: each
// call is answered by the next reply (a value, or an SDK exception shaped as the SDK throws it).
type Reply = { readonly ok: unknown } | { readonly error: Error };

function scriptedClient(replies: Reply[]): { client: DynamoDBClient; sent: string[]; inputs: unknown[] } {
  const sent: string[] = [];
  const inputs: unknown[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: unknown }) => {
      sent.push(command.constructor.name.replace(/Command$/, ''));
      inputs.push(command.input);
      const reply = replies.shift();
      if (!reply) throw new Error(`unexpected ${command.constructor.name}`);
      if ('error' in reply) throw reply.error;
      return reply.ok;
    },
  } as unknown as DynamoDBClient;
  return { client, sent, inputs };
}

const metadata = { $metadata: { httpStatusCode: 400 } };
const conditionFailed = (item?: Record<string, AttributeValue>): Error =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', ...metadata, Item: item });

const ID = 'exec-1';
const chunk: LogChunk = { seq: 3, last: 3, events: [{ timestamp: 1, message: 'm' }], cursor: { streams: {} } };
const seal: LogSeal = { status: 'SUCCEEDED', completedAt: 1000, lastIndex: 2, sealedAt: 1001 };
const record = { execution_id: { S: ID }, seq: { N: '0' }, log_group: { S: 'g' }, log_streams: { S: '["s"]' } };
const sealedRecord = {
  ...record,
  status: { S: 'FAILED' },
  completed_at: { N: '5' },
  last_index: { N: '7' },
  sealed_at: { N: '6' },
  expires_at: { N: '99' },
};

async function errorOf(promise: Promise<unknown>): Promise<{ code?: string; retryable?: boolean }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; retryable?: boolean };
  }
  throw new Error('expected a rejection');
}

describe('DynamoDbLogStore: appends', () => {
  test('an index held by a chunk is a CHUNK_CONFLICT (another writer won the race)', async () => {
    const { client } = scriptedClient([{ error: conditionFailed({ seq: { N: '3' }, last: { N: '9' } }) }]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    expect((await errorOf(store.appendChunk(ID, chunk))).code).toBe('CHUNK_CONFLICT');
  });

  test("an index held by the seal's fence is LOG_SEALED, not retryable", async () => {
    const { client } = scriptedClient([{ error: conditionFailed({ seq: { N: '3' }, seal_fence: { BOOL: true } }) }]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    expect(await errorOf(store.appendChunk(ID, chunk))).toMatchObject({ code: 'LOG_SEALED', retryable: false });
  });
});

describe('DynamoDbLogStore: batch reads', () => {
  test('keys BatchGetItem left unprocessed read as absent (the callers read them another way); 100 keys a call', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `exec-${i}`);
    const recordOf = (id: string): Record<string, AttributeValue> => ({ ...record, execution_id: { S: id } });
    const keyOf = (id: string): Record<string, AttributeValue> => ({ execution_id: { S: id }, seq: { N: '0' } });
    const { client, sent, inputs } = scriptedClient([
      { ok: { Responses: { t: [recordOf('exec-0')] }, UnprocessedKeys: { t: { Keys: [keyOf('exec-1')] } } } },
      { ok: { Responses: { t: [recordOf('exec-149')] } } },
    ]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    const records = await store.recordsOf(ids);
    expect(sent).toEqual(['BatchGetItem', 'BatchGetItem']);
    expect(
      inputs.map((input) => (input as { RequestItems: { t: { Keys: unknown[] } } }).RequestItems.t.Keys.length),
    ).toEqual([100, 50]);
    expect(records.flatMap((found, i) => (found ? [i] : []))).toEqual([0, 149]);
  });
});

describe('DynamoDbLogStore: the seal', () => {
  const empty = { ok: { Items: [] } };

  test('a missing record is EXECUTION_NOT_FOUND and nothing is written', async () => {
    const { client, sent } = scriptedClient([{ ok: {} }]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    expect((await errorOf(store.sealLog(ID, seal, 99))).code).toBe('EXECUTION_NOT_FOUND');
    expect(sent).toEqual(['GetItem']);
  });

  test('gives the chunks their expiry, then writes the seal', async () => {
    const { client, sent, inputs } = scriptedClient([
      { ok: { Item: record } },
      { ok: { Items: [{ seq: { N: '1' } }, { seq: { N: '2' }, expires_at: { N: '99' } }] } },
      { ok: {} },
      { ok: {} },
      { ok: {} },
    ]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    expect(await store.sealLog(ID, seal, 99)).toEqual(seal);
    // Chunk 2 has the expiry already: one UpdateItem, for chunk 1. Then the fence, then the record.
    expect(sent).toEqual(['GetItem', 'Query', 'UpdateItem', 'PutItem', 'UpdateItem']);
    expect(inputs[3]).toMatchObject({
      Item: { execution_id: { S: ID }, seq: { N: '3' }, seal_fence: { BOOL: true }, expires_at: { N: '99' } },
      ConditionExpression: 'attribute_not_exists(seq)',
    });
    expect(inputs[4]).toMatchObject({
      Key: { execution_id: { S: ID }, seq: { N: '0' } },
      ConditionExpression: 'attribute_exists(seq) AND attribute_not_exists(sealed_at)',
      ExpressionAttributeValues: { ':last': { N: '2' }, ':expires': { N: '99' } },
    });
  });

  test('a chunk at last index + 1 refuses the seal with CHUNK_CONFLICT; the record stays unsealed', async () => {
    const { client, sent } = scriptedClient([
      { ok: { Item: record } },
      empty,
      { error: conditionFailed(chunkItem(ID, chunk)) },
    ]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    expect((await errorOf(store.sealLog(ID, seal, 99))).code).toBe('CHUNK_CONFLICT');
    expect(sent).toEqual(['GetItem', 'Query', 'PutItem']);
  });

  test("a fence found at last index + 1 is the seal's own (a lost reply, a drain of the same tip): the record is sealed", async () => {
    const fence = { execution_id: { S: ID }, seq: { N: '3' }, seal_fence: { BOOL: true }, expires_at: { N: '99' } };
    const { client, sent } = scriptedClient([
      { ok: { Item: record } },
      empty,
      { error: conditionFailed(fence) },
      { ok: {} },
    ]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    expect(await store.sealLog(ID, seal, 99)).toEqual(seal);
    expect(sent).toEqual(['GetItem', 'Query', 'PutItem', 'UpdateItem']);
  });

  test('a throttled fence is a retryable dependency error, and the record is not touched', async () => {
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', ...metadata });
    const { client, sent } = scriptedClient([{ ok: { Item: record } }, empty, { error: throttled }]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    expect(await errorOf(store.sealLog(ID, seal, 99))).toMatchObject({ code: 'DYNAMODB_UNAVAILABLE', retryable: true });
    expect(sent).toEqual(['GetItem', 'Query', 'PutItem']);
  });

  test('sealed meanwhile by another drain: its seal stands', async () => {
    const { client } = scriptedClient([
      { ok: { Item: record } },
      empty,
      { ok: {} },
      { error: conditionFailed() },
      { ok: { Item: sealedRecord } },
      empty,
    ]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    expect(await store.sealLog(ID, seal, 123)).toEqual({ status: 'FAILED', completedAt: 5, lastIndex: 7, sealedAt: 6 });
  });

  test("a pushed execution's route items get the seal's expiry, on its own routes only", async () => {
    const pushed = { ...record, ingest: { S: 'push' }, log_streams: { S: '["a","b"]' } };
    const { client, sent, inputs } = scriptedClient([
      { ok: { Item: pushed } },
      empty,
      { ok: {} },
      // Stream b is routed to another execution (or was never routed): its route is left alone.
      { error: conditionFailed() },
      { ok: {} },
      { ok: {} },
    ]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    expect(await store.sealLog(ID, seal, 99)).toEqual(seal);
    expect(sent).toEqual(['GetItem', 'Query', 'UpdateItem', 'UpdateItem', 'PutItem', 'UpdateItem']);
    expect(inputs[2]).toMatchObject({
      Key: { execution_id: { S: '#route:g:a' }, seq: { N: '0' } },
      ConditionExpression: 'attribute_exists(seq) AND route_execution = :id',
      ExpressionAttributeValues: { ':expires': { N: '99' }, ':id': { S: ID } },
    });
    expect(inputs[3]).toMatchObject({ Key: { execution_id: { S: '#route:g:b' }, seq: { N: '0' } } });
  });

  test("sealing a sealed pushed log again finishes the routes with the first seal's expiry", async () => {
    const { client, sent, inputs } = scriptedClient([
      { ok: { Item: { ...sealedRecord, ingest: { S: 'push' } } } },
      empty,
      { ok: {} },
    ]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    expect((await store.sealLog(ID, seal, 123)).status).toBe('FAILED');
    expect(sent).toEqual(['GetItem', 'Query', 'UpdateItem']);
    expect(inputs[2]).toMatchObject({ ExpressionAttributeValues: { ':expires': { N: '99' } } });
  });

  test('deleted meanwhile: EXECUTION_NOT_FOUND, never recreated', async () => {
    const { client } = scriptedClient([
      { ok: { Item: record } },
      empty,
      { ok: {} },
      { error: conditionFailed() },
      { ok: {} },
    ]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    expect((await errorOf(store.sealLog(ID, seal, 99))).code).toBe('EXECUTION_NOT_FOUND');
  });
});

describe('DynamoDbLogStore: the ingest mode of a record', () => {
  test('registerExecution stores `ingest` and getExecution returns it', async () => {
    const { client, inputs } = scriptedClient([{ ok: {} }, { ok: { Item: { ...record, ingest: { S: 'push' } } } }]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    const pushed = {
      executionId: ID,
      location: { logGroup: 'g', logStreams: ['s'] },
      startedAt: 1,
      ingest: 'push' as const,
    };
    await store.registerExecution(pushed);
    expect((inputs[0] as { Item: Record<string, AttributeValue> }).Item.ingest).toEqual({ S: 'push' });
    expect((await store.getExecution(ID))?.ingest).toBe('push');
  });

  test('a record without ingest (written before push ingest) stays without; an unknown value is not passed on', async () => {
    const { client, inputs } = scriptedClient([
      { ok: {} },
      { ok: { Item: record } },
      { ok: { Item: { ...record, ingest: { S: 'carrier-pigeon' } } } },
    ]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    await store.registerExecution({ executionId: ID, location: { logGroup: 'g', logStreams: ['s'] }, startedAt: 1 });
    expect(Object.hasOwn((inputs[0] as { Item: object }).Item, 'ingest')).toBe(false);
    expect(Object.hasOwn((await store.getExecution(ID)) ?? {}, 'ingest')).toBe(false);
    expect(Object.hasOwn((await store.getExecution(ID)) ?? {}, 'ingest')).toBe(false);
  });
});

describe('chunk items of pushed logs', () => {
  // 256 ids of 56 digits, as AWS writes them: consecutive within a PutLogEvents call of 8 lines.
  const window = (calls: number, perCall: number): string[] => {
    const ids: string[] = [];
    let base = 31953106606966983378809025079804211143289615424298221568n;
    for (let c = 0; c < calls; c++) {
      base += 7_919_000_000_000_000_000_000_000_000_000n * BigInt(c + 1) + 104_729n * BigInt(c * c + 1);
      for (let i = 0; i < perCall; i++) ids.push((base + BigInt(i)).toString());
    }
    return ids;
  };
  const pushedChunk = (recentIds: string[]): LogChunk => ({
    seq: 1,
    last: 1,
    events: [{ timestamp: 1_772_366_400_000, message: 'x'.repeat(120), eventId: recentIds.at(-1) as string }],
    cursor: {
      streams: {
        app: {
          skip: 0,
          lastTimestamp: 1_772_366_400_000,
          lastTimestampCount: 1,
          shardId: 'shardId-000000000000',
          sequenceNumber: '49546986683135544286507457936321625675700192471156785154',
          subIndex: 0,
          recentIds,
          firstId: recentIds[0] as string,
        },
      },
    },
  });

  test('round-trip: the cursor with its full window and the events with their ids', () => {
    for (const ids of [window(32, 8), window(256, 1), ['1', '2', '3'], ['a:b', 'c']]) {
      const chunk = pushedChunk(ids);
      const { lastTimestamp, ...back } = toChunk(chunkItem(ID, chunk));
      // Events written without their stream (as before streams were kept) read as the cursor's only stream.
      expect(back).toEqual({ ...chunk, events: chunk.events.map((event) => ({ ...event, stream: 'app' })) });
      expect(lastTimestamp).toBe(1_772_366_400_000);
    }
  });

  test("streams: each event keeps its own; a managed job's log stream reads as stdout and stderr", () => {
    const cursor = { streams: { web: { skip: 0 }, worker: { skip: 0 } } };
    const external = {
      seq: 1,
      last: 3,
      cursor,
      events: [
        { timestamp: 1, message: 'a', stream: 'web' },
        { timestamp: 2, message: 'b', stream: 'worker' },
        { timestamp: 3, message: 'c', stream: 'web' },
      ],
    };
    expect(toChunk(chunkItem(ID, external)).events.map((e) => [e.stream, e.message])).toEqual([
      ['web', 'a'],
      ['worker', 'b'],
      ['web', 'c'],
    ]);
    const managed = managedLogStream(ID);
    const job = {
      seq: 1,
      last: 3,
      cursor: { streams: { [managed]: { skip: 0 } } },
      events: [
        { timestamp: 1, message: 'out', stream: managed },
        { timestamp: 2, message: 'err', stream: managed, stderr: true },
        { timestamp: 3, message: 'out again', stream: managed },
      ],
    };
    expect(toChunk(chunkItem(ID, job)).events.map((e) => [e.stream, e.message])).toEqual([
      ['stdout', 'out'],
      ['stderr', 'err'],
      ['stdout', 'out again'],
    ]);
    // A managed job's chunk from before streams were kept: every line reads as stdout.
    const legacy = { ...job, events: job.events.map(({ timestamp, message }) => ({ timestamp, message })) };
    expect(toChunk(chunkItem(ID, legacy)).events.map((e) => e.stream)).toEqual(['stdout', 'stdout', 'stdout']);
  });

  test('the item of a chunk with a full window of 256 ids of 56 digits: under 1 KB, at most 8 KB (one stream)', () => {
    const random = seededRandom(7);
    // Nothing shared between ids: the worst case, where each costs its 56 digits.
    const unrelated = Array.from({ length: 256 }, () =>
      Array.from({ length: 56 }, (_, i) => String(Math.floor(random() * 9) + (i === 0 ? 1 : 0))).join(''),
    );
    const empty = itemSize(chunkItem(ID, { ...pushedChunk(['1']), cursor: { streams: {} } }));
    const realistic = itemSize(chunkItem(ID, pushedChunk(window(32, 8))));
    const worst = itemSize(chunkItem(ID, pushedChunk(unrelated)));
    expect(empty).toBeLessThan(200);
    expect(realistic).toBeLessThan(1024);
    expect(worst).toBeLessThan(8 * 1024);
  });

  test('a small cursor stays readable JSON; a large one is stored gzipped', () => {
    const small = chunkItem(ID, pushedChunk(['1', '2', '3']));
    expect(JSON.parse(small.cursor?.S ?? '')).toMatchObject({ streams: { app: { ri: ['0:1', 1, 1], firstId: '1' } } });
    expect(small.cursor_z).toBeUndefined();
    const large = chunkItem(ID, pushedChunk(window(256, 1)));
    expect(large.cursor).toBeUndefined();
    expect(large.cursor_z?.B).toBeInstanceOf(Uint8Array);
  });

  test('a cursor stored before push ingest reads back unchanged', () => {
    const item = chunkItem(ID, { seq: 1, last: 1, events: [{ timestamp: 5, message: 'm' }], cursor: { streams: {} } });
    item.cursor = { S: JSON.stringify({ streams: { s: { token: 'f/1', skip: 2 } } }) };
    expect(toChunk(item).cursor).toEqual({ streams: { s: { token: 'f/1', skip: 2 } } });
  });
});
