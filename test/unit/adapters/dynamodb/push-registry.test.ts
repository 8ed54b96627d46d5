import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { gzipSync } from 'node:zlib';
import { DynamoDbPushRegistry } from '../../../../src/adapters/dynamodb/dynamodb-push-registry';
import { routeKey, shardProgressKey, shardTipsKey } from '../../../../src/adapters/dynamodb/log-items';
import { InvalidInputError, type ShardTips } from '../../../../src/domain';
import { seededRandom } from '../../../support/fakes';
import { InMemoryPushRegistry } from '../../../support/fake-push-registry';
import { describePushRegistryContract } from '../../../support/push-registry-contract';

describePushRegistryContract('InMemoryPushRegistry', () => new InMemoryPushRegistry());

// The adapter's requests and its reading of DynamoDB's answers, with a scripted client.
type Reply = { readonly ok: unknown } | { readonly error: Error };

function scriptedClient(replies: Reply[]): { client: DynamoDBClient; inputs: Record<string, unknown>[] } {
  const inputs: Record<string, unknown>[] = [];
  const client = {
    send: async (command: { input: Record<string, unknown> }) => {
      inputs.push(command.input);
      const reply = replies.shift();
      if (!reply) throw new Error('unexpected call');
      if ('error' in reply) throw reply.error;
      return reply.ok;
    },
  } as unknown as DynamoDBClient;
  return { client, inputs };
}

const conditionFailed = (item?: Record<string, unknown>): Error =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: { httpStatusCode: 400 },
    Item: item as never,
  });

const GROUP = '/logstream/executions';
const NOW = 1_772_366_400_000;

describe('DynamoDbPushRegistry keys', () => {
  const bytes = (key: { execution_id?: { S?: string } }): number => Buffer.byteLength(key.execution_id?.S ?? '');

  test('a route key is readable when short, starts with # (never an execution id) and is at seq 0', () => {
    expect(routeKey(GROUP, 'external/job-1')).toEqual({
      execution_id: { S: '#route:/logstream/executions:external/job-1' },
      seq: { N: '0' },
    });
  });

  test('the longest names (512 characters of 3-byte UTF-8) are hashed well inside the 2,048-byte key limit', () => {
    const key = routeKey(`/${'g'.repeat(511)}`, '中'.repeat(512));
    expect(key.execution_id?.S).toMatch(/^#route-sha256:[0-9a-f]{64}$/);
    expect(bytes(key)).toBeLessThanOrEqual(2048);
    expect(routeKey(`/${'g'.repeat(511)}`, '中'.repeat(511) + 'x')).not.toEqual(key);
  });

  test('a group holding `:` (which AWS never names) is hashed, so two splits of one string never meet', () => {
    expect(routeKey('a:b', 'c')).not.toEqual(routeKey('a', 'b:c'));
  });

  test("Kinesis shard ids are numbered by their digits; other ids by a hash above all of them, within DynamoDB's 38 digits", () => {
    expect(shardProgressKey('s', 'shardId-000000000012').seq).toEqual({ N: '12' });
    const hashed = shardProgressKey('s', 'shardId-12').seq?.N ?? '';
    expect(hashed.length).toBeGreaterThan(12);
    expect(hashed.length).toBeLessThanOrEqual(38);
    expect(shardProgressKey('s', 'shardId-12').execution_id).toEqual({ S: '#shards:s' });
  });
});

describe('DynamoDbPushRegistry requests', () => {
  test('putRoute is a conditional put; the route that holds the stream comes back from the failed condition', async () => {
    const held = {
      ...routeKey(GROUP, 'job'),
      route_execution: { S: 'first' },
      log_group: { S: GROUP },
      log_stream: { S: 'job' },
    };
    const { client, inputs } = scriptedClient([{ error: conditionFailed(held) }]);
    const registry = new DynamoDbPushRegistry({ client, tableName: 't', now: () => NOW });
    expect(await registry.putRoute({ logGroup: GROUP, logStream: 'job', executionId: 'second' })).toEqual({
      logGroup: GROUP,
      logStream: 'job',
      executionId: 'first',
    });
    expect(inputs[0]).toMatchObject({
      ConditionExpression: 'attribute_not_exists(seq) OR expires_at < :now',
      ExpressionAttributeValues: { ':now': { N: String(NOW / 1000) } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  test('without the old item in the answer, putRoute reads the route (consistent)', async () => {
    const held = { route_execution: { S: 'first' }, log_group: { S: GROUP }, log_stream: { S: 'job' } };
    const { client, inputs } = scriptedClient([{ error: conditionFailed() }, { ok: { Item: held } }]);
    const registry = new DynamoDbPushRegistry({ client, tableName: 't' });
    expect((await registry.putRoute({ logGroup: GROUP, logStream: 'job', executionId: 'x' })).executionId).toBe(
      'first',
    );
    expect(inputs[1]).toMatchObject({ ConsistentRead: true, Key: routeKey(GROUP, 'job') });
  });

  test('an expired route is not returned', async () => {
    const held = {
      route_execution: { S: 'old' },
      log_group: { S: GROUP },
      log_stream: { S: 'job' },
      expires_at: { N: String(NOW / 1000 - 1) },
    };
    const { client } = scriptedClient([{ ok: { Item: held } }]);
    const registry = new DynamoDbPushRegistry({ client, tableName: 't', now: () => NOW });
    expect(await registry.getRoute(GROUP, 'job')).toBeUndefined();
  });

  test('getRoutes reads each key BatchGetItem left unprocessed on its own, and only those', async () => {
    const routeItem = (stream: string): Record<string, AttributeValue> => ({
      ...routeKey(GROUP, stream),
      route_execution: { S: `exec-${stream}` },
      log_group: { S: GROUP },
      log_stream: { S: stream },
    });
    const { client, inputs } = scriptedClient([
      // a: found; b: no route; c: left unprocessed (throttled), and routed.
      { ok: { Responses: { t: [routeItem('a')] }, UnprocessedKeys: { t: { Keys: [routeKey(GROUP, 'c')] } } } },
      { ok: { Item: routeItem('c') } },
    ]);
    const registry = new DynamoDbPushRegistry({ client, tableName: 't' });
    const routes = await registry.getRoutes(['a', 'b', 'c', 'a'].map((logStream) => ({ logGroup: GROUP, logStream })));
    expect(routes.map((route) => route?.executionId)).toEqual(['exec-a', undefined, 'exec-c', 'exec-a']);
    expect(inputs).toHaveLength(2);
    expect(inputs[1]).toMatchObject({ Key: routeKey(GROUP, 'c'), ConsistentRead: true });
  });

  test('a stale progress report is ignored; other failures are dependency errors', async () => {
    const { client, inputs } = scriptedClient([
      { error: conditionFailed() },
      { error: Object.assign(new Error('slow down'), { name: 'ThrottlingException', $metadata: {} }) },
    ]);
    const registry = new DynamoDbPushRegistry({ client, tableName: 't' });
    const progress = { streamName: 's', shardId: 'shardId-000000000000', caughtUpTo: 5, closed: false, updatedAt: 6 };
    await registry.putShardProgress(progress);
    expect(inputs[0]).toMatchObject({
      ConditionExpression:
        'attribute_not_exists(seq) OR (shard_id = :shard AND caught_up_to <= :caught AND closed = :open)',
    });
    let error: { code?: string; throttled?: boolean } | undefined;
    try {
      await registry.putShardProgress({ ...progress, closed: true });
    } catch (caught) {
      error = caught as typeof error;
    }
    expect(error).toMatchObject({ code: 'DYNAMODB_UNAVAILABLE', throttled: true });
    expect(inputs[1]).toMatchObject({
      ConditionExpression: 'attribute_not_exists(seq) OR (shard_id = :shard AND caught_up_to <= :caught)',
    });
  });

  test('listShardProgress pages through the stream partition with consistent reads', async () => {
    const item = (shard: string, caught: number) => ({
      ...shardProgressKey('s', shard),
      stream_name: { S: 's' },
      shard_id: { S: shard },
      caught_up_to: { N: String(caught) },
      closed: { BOOL: caught > 1 },
      updated_at: { N: '9' },
    });
    const { client, inputs } = scriptedClient([
      { ok: { Items: [item('shardId-000000000000', 1)], LastEvaluatedKey: { seq: { N: '0' } } } },
      { ok: { Items: [item('shardId-000000000001', 2)] } },
    ]);
    const registry = new DynamoDbPushRegistry({ client, tableName: 't' });
    expect(await registry.listShardProgress('s')).toEqual([
      { streamName: 's', shardId: 'shardId-000000000000', caughtUpTo: 1, closed: false, updatedAt: 9 },
      { streamName: 's', shardId: 'shardId-000000000001', caughtUpTo: 2, closed: true, updatedAt: 9 },
    ]);
    expect(inputs[1]).toMatchObject({ ConsistentRead: true, ExclusiveStartKey: { seq: { N: '0' } } });
  });
});

describe('DynamoDbPushRegistry shard tips', () => {
  type Item = Record<string, AttributeValue>;

  /** A client keeping the items it is given (PutItem) and answering a Query of one partition with them. */
  function tableClient(): { client: DynamoDBClient; inputs: object[] } {
    const items = new Map<string, Item>();
    const inputs: object[] = [];
    const client = {
      send: async (command: unknown) => {
        if (command instanceof PutItemCommand) {
          inputs.push(command.input);
          const item = command.input.Item ?? {};
          items.set(`${item.execution_id?.S}\u0000${item.seq?.N}`, item);
          return {};
        }
        if (command instanceof QueryCommand) {
          inputs.push(command.input);
          const partition = command.input.ExpressionAttributeValues?.[':partition']?.S;
          return { Items: [...items.values()].filter((item) => item.execution_id?.S === partition) };
        }
        throw new Error('unexpected call');
      },
    } as unknown as DynamoDBClient;
    return { client, inputs };
  }

  const tipsOf = (shardId: string, tips: [string, number][], streamName = 's'): ShardTips => ({
    streamName,
    shardId,
    tips: new Map(tips),
    updatedAt: NOW,
  });

  /** A tips item as the adapter writes it, with `tips` as the attribute. */
  const tipsItem = (shardId: string, tips: AttributeValue | undefined): Item => ({
    ...shardTipsKey('s', shardId),
    shard_id: { S: shardId },
    ...(tips === undefined ? {} : { tips }),
    updated_at: { N: String(NOW) },
  });
  const gzipped = (value: unknown): AttributeValue => ({ B: gzipSync(JSON.stringify(value)) });

  test("a shard's tips item sits in the stream's tips partition, apart from its progress item", () => {
    expect(shardTipsKey('s', 'shardId-000000000012')).toEqual({
      execution_id: { S: '#tips:s' },
      seq: { N: '12' },
    });
    expect(shardTipsKey('s', 'shardId-12').seq).toEqual(shardProgressKey('s', 'shardId-12').seq);
    expect(shardTipsKey('s', 'shardId-12').execution_id).not.toEqual(shardProgressKey('s', 'shardId-12').execution_id);
  });

  test("putShardTips then readTips gives the tips back; a shard's next put replaces its tips", async () => {
    const { client, inputs } = tableClient();
    const registry = new DynamoDbPushRegistry({ client, tableName: 't', now: () => NOW });
    await registry.putShardTips(
      tipsOf('shardId-000000000000', [
        ['e1', 5],
        ['e2', 0],
        ['e3', 123_456_789],
      ]),
    );
    expect(inputs[0]).toMatchObject({
      TableName: 't',
      Item: { ...shardTipsKey('s', 'shardId-000000000000'), updated_at: { N: String(NOW) } },
    });
    expect(await registry.readTips('s')).toEqual(
      new Map([
        ['e1', 5],
        ['e2', 0],
        ['e3', 123_456_789],
      ]),
    );
    expect(inputs[1]).toMatchObject({
      TableName: 't',
      KeyConditionExpression: 'execution_id = :partition',
      ExpressionAttributeValues: { ':partition': { S: '#tips:s' } },
      ConsistentRead: true,
    });
    await registry.putShardTips(tipsOf('shardId-000000000000', [['e1', 9]]));
    expect(await registry.readTips('s')).toEqual(new Map([['e1', 9]]));
    // Another stream's tips are its own.
    expect(await registry.readTips('other')).toEqual(new Map());
  });

  test('readTips merges the shards by the highest tip of each execution, over every page', async () => {
    const { client, inputs } = tableClient();
    const registry = new DynamoDbPushRegistry({ client, tableName: 't' });
    await registry.putShardTips(
      tipsOf('shardId-000000000000', [
        ['a', 5],
        ['b', 9],
      ]),
    );
    await registry.putShardTips(
      tipsOf('shardId-000000000001', [
        ['a', 7],
        ['c', 1],
      ]),
    );
    await registry.putShardTips(tipsOf('shardId-000000000002', [['b', 3]]));
    await registry.putShardTips(tipsOf('shardId-000000000003', [['a', 100]], 'other-stream'));
    expect(Object.fromEntries(await registry.readTips('s'))).toEqual({ a: 7, b: 9, c: 1 });
    expect(inputs).toHaveLength(5);

    const pages = scriptedClient([
      {
        ok: {
          Items: [tipsItem('shardId-000000000000', gzipped([['a', 4]]))],
          LastEvaluatedKey: shardTipsKey('s', 'shardId-000000000000'),
        },
      },
      {
        ok: {
          Items: [
            tipsItem(
              'shardId-000000000001',
              gzipped([
                ['a', 2],
                ['b', 6],
              ]),
            ),
          ],
        },
      },
    ]);
    const paged = new DynamoDbPushRegistry({ client: pages.client, tableName: 't' });
    expect(Object.fromEntries(await paged.readTips('s'))).toEqual({ a: 4, b: 6 });
    expect(pages.inputs[1]).toMatchObject({
      ConsistentRead: true,
      ExclusiveStartKey: shardTipsKey('s', 'shardId-000000000000'),
    });
  });

  test('a malformed tips attribute reads as no tips; the intact items are still read', async () => {
    const { client } = scriptedClient([
      {
        ok: {
          Items: [
            tipsItem('shardId-000000000000', { B: new TextEncoder().encode('not gzip') }),
            tipsItem('shardId-000000000001', gzipped({ a: 1 })),
            tipsItem('shardId-000000000002', { B: gzipSync('[["a", 1]') }),
            tipsItem('shardId-000000000003', { S: '[["a", 1]]' }),
            tipsItem('shardId-000000000004', undefined),
            tipsItem('shardId-000000000005', gzipped([['b', 2]])),
          ],
        },
      },
    ]);
    const registry = new DynamoDbPushRegistry({ client, tableName: 't' });
    expect(await registry.readTips('s')).toEqual(new Map([['b', 2]]));
  });

  test('within a tips item, pairs that are not (execution id, integer) are left out', async () => {
    const { client } = scriptedClient([
      {
        ok: {
          Items: [tipsItem('shardId-000000000000', gzipped([['a', 1], ['b', 'x'], [3, 4], 'c', ['d', 1.5], null]))],
        },
      },
    ]);
    const registry = new DynamoDbPushRegistry({ client, tableName: 't' });
    expect(Object.fromEntries(await registry.readTips('s'))).toEqual({ a: 1 });
  });

  test.each([
    ['an empty shardId', tipsOf('', [['e', 1]])],
    ['an empty streamName', tipsOf('shardId-000000000000', [['e', 1]], '')],
    ['a negative index', tipsOf('shardId-000000000000', [['e', -1]])],
    ['a fractional index', tipsOf('shardId-000000000000', [['e', 1.5]])],
    ['an empty execution id', tipsOf('shardId-000000000000', [['', 1]])],
    ['a negative updatedAt', { ...tipsOf('shardId-000000000000', [['e', 1]]), updatedAt: -1 }],
  ])('putShardTips refuses %s with InvalidInputError, sending nothing', async (_name, tips) => {
    const { client, inputs } = tableClient();
    const registry = new DynamoDbPushRegistry({ client, tableName: 't' });
    await expect(registry.putShardTips(tips)).rejects.toBeInstanceOf(InvalidInputError);
    expect(inputs).toEqual([]);
  });

  test('tips too large for one item keep the ones given first (the most recent) and leave the rest out', async () => {
    const { client, inputs } = tableClient();
    const registry = new DynamoDbPushRegistry({ client, tableName: 't' });
    // Ids that gzip cannot shrink much: 20,000 of them are well over the item's budget.
    const random = seededRandom(11);
    const ids = Array.from({ length: 20_000 }, () =>
      Array.from({ length: 40 }, () => Math.floor(random() * 36).toString(36)).join(''),
    );
    await registry.putShardTips(
      tipsOf(
        'shardId-000000000000',
        ids.map((id, i) => [id, i + 1]),
      ),
    );
    const stored = (inputs[0] as { Item: Item }).Item.tips?.B;
    expect(stored?.byteLength).toBeLessThanOrEqual(256 * 1024);
    const read = await registry.readTips('s');
    expect(read.size).toBeGreaterThan(0);
    expect(read.size).toBeLessThan(ids.length);
    // Exactly a prefix of the tips as given.
    expect([...read.keys()]).toEqual(ids.slice(0, read.size));
    expect(read.get(ids[0] ?? '')).toBe(1);
  });
});
