import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbPushRegistry } from '../../src/adapters/dynamodb/dynamodb-push-registry';
import { routeKey, shardProgressKey } from '../../src/adapters/dynamodb/log-items';
import { InMemoryPushRegistry } from '../support/fake-push-registry';
import { describePushRegistryContract } from '../support/push-registry-contract';

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
