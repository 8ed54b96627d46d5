import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DynamoDbLogStore } from '../../src/adapters/dynamodb/dynamodb-log-store';
import type { LogChunk, LogSeal } from '../../src/domain';

// The adapter's mapping of DynamoDB's answers to the store's errors, with a scripted client: each
// call is answered by the next reply (a value, or an SDK exception shaped as the SDK throws it).
type Reply = { readonly ok: unknown } | { readonly error: Error };

function scriptedClient(replies: Reply[]): { client: DynamoDBClient; sent: string[] } {
  const sent: string[] = [];
  const client = {
    send: async (command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name.replace(/Command$/, ''));
      const reply = replies.shift();
      if (!reply) throw new Error(`unexpected ${command.constructor.name}`);
      if ('error' in reply) throw reply.error;
      return reply.ok;
    },
  } as unknown as DynamoDBClient;
  return { client, sent };
}

const metadata = { $metadata: { httpStatusCode: 400 } };
const conditionFailed = (item?: Record<string, AttributeValue>): Error =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', ...metadata, Item: item });
const cancelled = (...codes: string[]): Error =>
  new TransactionCanceledException({
    message: `Transaction cancelled [${codes.join(', ')}]`,
    ...metadata,
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

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

describe('DynamoDbLogStore: the seal', () => {
  const empty = { ok: { Items: [] } };

  test('a missing record is EXECUTION_NOT_FOUND and nothing is written', async () => {
    const { client, sent } = scriptedClient([{ ok: {} }]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    expect((await errorOf(store.sealLog(ID, seal, 99))).code).toBe('EXECUTION_NOT_FOUND');
    expect(sent).toEqual(['GetItem']);
  });

  test('gives the chunks their expiry, then writes the seal', async () => {
    const { client, sent } = scriptedClient([
      { ok: { Item: record } },
      { ok: { Items: [{ seq: { N: '1' } }, { seq: { N: '2' }, expires_at: { N: '99' } }] } },
      { ok: {} },
      { ok: {} },
    ]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    expect(await store.sealLog(ID, seal, 99)).toEqual(seal);
    // Chunk 2 has the expiry already: one UpdateItem, for chunk 1.
    expect(sent).toEqual(['GetItem', 'Query', 'UpdateItem', 'TransactWriteItems']);
  });

  test('a chunk at last index + 1 cancels the seal with CHUNK_CONFLICT', async () => {
    const { client } = scriptedClient([
      { ok: { Item: record } },
      empty,
      { error: cancelled('None', 'ConditionalCheckFailed') },
    ]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    expect((await errorOf(store.sealLog(ID, seal, 99))).code).toBe('CHUNK_CONFLICT');
  });

  test('a transaction conflict is a retryable dependency error', async () => {
    const { client } = scriptedClient([
      { ok: { Item: record } },
      empty,
      { error: cancelled('TransactionConflict', 'None') },
    ]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    expect(await errorOf(store.sealLog(ID, seal, 99))).toMatchObject({ code: 'DYNAMODB_UNAVAILABLE', retryable: true });
  });

  test('sealed meanwhile by another drain: its seal stands', async () => {
    const { client } = scriptedClient([
      { ok: { Item: record } },
      empty,
      { error: cancelled('ConditionalCheckFailed', 'ConditionalCheckFailed') },
      { ok: { Item: sealedRecord } },
      empty,
    ]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    expect(await store.sealLog(ID, seal, 123)).toEqual({ status: 'FAILED', completedAt: 5, lastIndex: 7, sealedAt: 6 });
  });

  test('deleted meanwhile: EXECUTION_NOT_FOUND, never recreated', async () => {
    const { client } = scriptedClient([
      { ok: { Item: record } },
      empty,
      { error: cancelled('ConditionalCheckFailed', 'None') },
      { ok: {} },
    ]);
    const store = new DynamoDbLogStore({ client, tableName: 't' });
    expect((await errorOf(store.sealLog(ID, seal, 99))).code).toBe('EXECUTION_NOT_FOUND');
  });
});
