import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type DynamoDBClient,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { gunzipSync, gzipSync } from 'node:zlib';
import { InvalidInputError, mergeShardTips, type ShardProgress, type ShardTips, type StreamRoute } from '../../domain';
import type { CallObserver, PushRegistry } from '../../ports';
import { observedCall } from './observed-call';
import { isConditionFailure, itemOfConditionFailure } from './condition-failures';
import {
  expiresAtOf,
  routeKey,
  shardProgressKey,
  shardProgressPartition,
  shardTipsKey,
  shardTipsPartition,
  type Item,
} from './log-items';

// A tips item stays well below DynamoDB's 400 KB item limit; past this, the tips given last are left out.
const MAX_TIPS_BYTES = 256 * 1024;

/** Options of the DynamoDB push registry. */
export interface DynamoDbPushRegistryOptions {
  readonly client: DynamoDBClient;
  /** The log table: routes and shard progress live beside the logs. */
  readonly tableName: string;
  readonly observe?: CallObserver;
  readonly now?: () => number;
}

/**
 * The push registry in the log table: one route item per (log group, log stream), written once (the
 * first route wins; the seal of its execution gives it the log's expiry), and one progress item per
 * Kinesis shard, all of a stream's shards in one partition. See `routeKey` and `shardProgressKey`.
 */
export class DynamoDbPushRegistry implements PushRegistry {
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly observe: CallObserver;
  private readonly now: () => number;

  constructor(options: DynamoDbPushRegistryOptions) {
    this.client = options.client;
    this.table = options.tableName;
    this.observe = options.observe ?? (() => undefined);
    this.now = options.now ?? Date.now;
  }

  async putRoute(route: StreamRoute): Promise<StreamRoute> {
    checkRoute(route);
    try {
      await this.call('PutItem', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: {
              ...routeKey(route.logGroup, route.logStream),
              route_execution: { S: route.executionId },
              log_group: { S: route.logGroup },
              log_stream: { S: route.logStream },
            },
            // An expired route (its log sealed and past retention, not yet removed by TTL) is gone.
            ConditionExpression: 'attribute_not_exists(seq) OR expires_at < :now',
            ExpressionAttributeValues: { ':now': { N: String(Math.floor(this.now() / 1000)) } },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return { logGroup: route.logGroup, logStream: route.logStream, executionId: route.executionId };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const held = itemOfConditionFailure(error);
      const existing = held ? toRoute(held) : await this.getRoute(route.logGroup, route.logStream);
      if (existing) return existing;
      throw error;
    }
  }

  async getRoute(logGroup: string, logStream: string): Promise<StreamRoute | undefined> {
    const result = await this.call('GetItem', () =>
      this.client.send(
        new GetItemCommand({ TableName: this.table, Key: routeKey(logGroup, logStream), ConsistentRead: true }),
      ),
    );
    const item = result.Item;
    return item && !this.expired(item) ? toRoute(item) : undefined;
  }

  async putShardProgress(progress: ShardProgress): Promise<void> {
    checkProgress(progress);
    // Forward only: caughtUpTo never goes back, and a closed shard stays closed.
    const forward = `shard_id = :shard AND caught_up_to <= :caught${progress.closed ? '' : ' AND closed = :open'}`;
    try {
      await this.call('PutItem', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: {
              ...shardProgressKey(progress.streamName, progress.shardId),
              stream_name: { S: progress.streamName },
              shard_id: { S: progress.shardId },
              caught_up_to: { N: String(progress.caughtUpTo) },
              closed: { BOOL: progress.closed },
              updated_at: { N: String(progress.updatedAt) },
            },
            ConditionExpression: `attribute_not_exists(seq) OR (${forward})`,
            ExpressionAttributeValues: {
              ':shard': { S: progress.shardId },
              ':caught': { N: String(progress.caughtUpTo) },
              ...(progress.closed ? {} : { ':open': { BOOL: false } }),
            },
          }),
        ),
      );
    } catch (error) {
      // A stale report (a restarted forwarder not yet at the tip, a late retry): the newer one stands.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async listShardProgress(streamName: string): Promise<ShardProgress[]> {
    return (await this.partition(shardProgressPartition(streamName))).map(toShardProgress);
  }

  async putShardTips(tips: ShardTips): Promise<void> {
    checkTips(tips);
    await this.call('PutItem', () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            ...shardTipsKey(tips.streamName, tips.shardId),
            shard_id: { S: tips.shardId },
            tips: { B: encodeTips(tips.tips) },
            updated_at: { N: String(tips.updatedAt) },
          },
        }),
      ),
    );
  }

  async readTips(streamName: string): Promise<Map<string, number>> {
    return mergeShardTips((await this.partition(shardTipsPartition(streamName))).map(decodeTips));
  }

  /** Every item of a partition (a few: one per shard), consistently read. */
  private async partition(key: string): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page: QueryCommandOutput = await this.call('Query', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'execution_id = :partition',
            ExpressionAttributeValues: { ':partition': { S: key } },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private expired(item: Item): boolean {
    return expiresAtOf(item) * 1000 < this.now();
  }

  private call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    return observedCall(this.observe, operation, send);
  }
}

function checkRoute(route: StreamRoute): void {
  for (const field of ['logGroup', 'logStream', 'executionId'] as const) {
    if (typeof route[field] !== 'string' || route[field].length === 0) {
      throw new InvalidInputError(field, `route: ${field} must be a non-empty string`);
    }
  }
}

function checkProgress(progress: ShardProgress): void {
  if (typeof progress.streamName !== 'string' || progress.streamName.length === 0) {
    throw new InvalidInputError('streamName', 'shard progress: streamName must be a non-empty string');
  }
  if (typeof progress.shardId !== 'string' || progress.shardId.length === 0) {
    throw new InvalidInputError('shardId', 'shard progress: shardId must be a non-empty string');
  }
  for (const field of ['caughtUpTo', 'updatedAt'] as const) {
    if (!Number.isSafeInteger(progress[field]) || progress[field] < 0) {
      throw new InvalidInputError(field, `shard progress: ${field} must be epoch milliseconds`);
    }
  }
  if (typeof progress.closed !== 'boolean') {
    throw new InvalidInputError('closed', 'shard progress: closed must be a boolean');
  }
}

function checkTips(tips: ShardTips): void {
  checkProgress({
    streamName: tips.streamName,
    shardId: tips.shardId,
    caughtUpTo: 0,
    closed: false,
    updatedAt: tips.updatedAt,
  });
  for (const [executionId, last] of tips.tips) {
    if (typeof executionId !== 'string' || executionId.length === 0 || !Number.isSafeInteger(last) || last < 0) {
      throw new InvalidInputError('tips', 'shard tips: each tip is an execution id and a non-negative index');
    }
  }
}

/** Gzipped JSON pairs, in the order given; when too large, the tips given last are left out. */
function encodeTips(tips: ReadonlyMap<string, number>): Uint8Array {
  let pairs = [...tips];
  for (;;) {
    const encoded = gzipSync(JSON.stringify(pairs));
    if (encoded.byteLength <= MAX_TIPS_BYTES || pairs.length === 0) return encoded;
    pairs = pairs.slice(0, Math.floor(pairs.length / 2));
  }
}

/** The tips of an item; a malformed item holds none (tips are hints: the tails' own reads stay correct). */
function decodeTips(item: Item): [string, number][] {
  const data = item.tips?.B;
  if (data === undefined) return [];
  try {
    const pairs = JSON.parse(gunzipSync(data).toString('utf8')) as unknown;
    if (!Array.isArray(pairs)) return [];
    return pairs.filter(
      (pair): pair is [string, number] =>
        Array.isArray(pair) && typeof pair[0] === 'string' && Number.isSafeInteger(pair[1]),
    );
  } catch {
    return [];
  }
}

function toRoute(item: Item): StreamRoute | undefined {
  const logGroup = item.log_group?.S;
  const logStream = item.log_stream?.S;
  const executionId = item.route_execution?.S;
  return logGroup !== undefined && logStream !== undefined && executionId !== undefined
    ? { logGroup, logStream, executionId }
    : undefined;
}

function toShardProgress(item: Item): ShardProgress {
  const caughtUpTo = Number(item.caught_up_to?.N);
  const updatedAt = Number(item.updated_at?.N);
  const streamName = item.stream_name?.S;
  const shardId = item.shard_id?.S;
  if (
    streamName === undefined ||
    shardId === undefined ||
    !Number.isFinite(caughtUpTo) ||
    !Number.isFinite(updatedAt)
  ) {
    throw new TypeError('malformed shard progress item');
  }
  return { streamName, shardId, caughtUpTo, closed: item.closed?.BOOL === true, updatedAt };
}
