import {
  BatchWriteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  InvalidInputError,
  mergeShardTips,
  type ShardLossWindow,
  type ShardProgress,
  type ShardTips,
  type StreamRoute,
} from '../../domain';
import type { CallObserver, LogStreamRef, PushRegistry } from '../../ports';
import { batchGetItems } from './batch-get';
import { observedCall, type TableTarget } from './observed-call';
import { checkLossWindow, checkProgress, lossWindowItem, toShardProgress } from './shard-progress-item';
import { isConditionFailure, itemOfConditionFailure } from './condition-failures';
import {
  expiresAtOf,
  routeKey,
  shardProgressKey,
  shardProgressPartition,
  shardTipsKey,
  shardTipsPartition,
  watchKey,
  watchPartition,
  type Item,
} from './log-items';

// BatchWriteItem takes at most 25 requests.
const WATCH_BATCH = 25;
// A watch item is removed this long after it is over.
const WATCH_TTL_SECONDS = 3600;

// A tips item stays well below DynamoDB's 400 KB item limit; past this, the tips given last are left out.
const MAX_TIPS_BYTES = 256 * 1024;

/** Options of the DynamoDB push registry. */
export interface DynamoDbPushRegistryOptions {
  readonly client: DynamoDBClient;
  /** The log table: routes and shard progress live beside the logs. */
  readonly tableName: string;
  readonly observe?: CallObserver;
  readonly now?: () => number;
  /** How long a route lives before its execution's seal gives it the log's expiry (seconds); without it, forever. */
  readonly unsealedTtlSeconds?: number;
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
  private readonly unsealedTtlSeconds: number | undefined;
  private readonly target: TableTarget;

  constructor(options: DynamoDbPushRegistryOptions) {
    this.client = options.client;
    this.table = options.tableName;
    this.observe = options.observe ?? (() => undefined);
    this.now = options.now ?? Date.now;
    this.unsealedTtlSeconds = options.unsealedTtlSeconds;
    this.target = { client: this.client, table: this.table, call: (operation, send) => this.call(operation, send) };
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
              ...(this.unsealedTtlSeconds === undefined
                ? {}
                : { expires_at: { N: String(Math.ceil(this.now() / 1000) + this.unsealedTtlSeconds) } }),
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

  async getRoutes(streams: readonly LogStreamRef[]): Promise<(StreamRoute | undefined)[]> {
    const byKey = new Map<string, StreamRoute>();
    const keyOf = (stream: LogStreamRef): string => `${stream.logGroup}\u0000${stream.logStream}`;
    // By the route item's partition key, which is what DynamoDB names an unprocessed key by.
    const byItemKey = new Map(
      streams.map((stream) => [routeKey(stream.logGroup, stream.logStream).execution_id?.S, stream]),
    );
    const { items, unprocessed } = await batchGetItems(
      this.target,
      [...byItemKey.values()].map((stream) => routeKey(stream.logGroup, stream.logStream)),
    );
    for (const item of items) {
      const route = this.expired(item) ? undefined : toRoute(item);
      if (route) byKey.set(keyOf(route), route);
    }
    // Keys DynamoDB left unprocessed (throttling, a large answer) are not "no route": each is read on its own.
    await Promise.all(
      unprocessed.map(async (key) => {
        const stream = byItemKey.get(key.execution_id?.S);
        const route = stream && (await this.getRoute(stream.logGroup, stream.logStream));
        if (stream && route) byKey.set(keyOf(stream), route);
      }),
    );
    return streams.map((stream) => byKey.get(keyOf(stream)));
  }

  async putShardProgress(progress: ShardProgress): Promise<void> {
    checkProgress(progress);
    // Forward only: caughtUpTo never goes back, and a closed shard stays closed.
    const forward = `shard_id = :shard AND caught_up_to <= :caught${progress.closed ? '' : ' AND closed = :open'}`;
    const { checkpoint, checkpointAt } = progress;
    // An update, not a put: the loss windows recorded on the item stay; a report without a checkpoint keeps the last.
    const sets = ['stream_name = :stream', 'shard_id = :shard', 'caught_up_to = :caught', 'closed = :closed'];
    sets.push('updated_at = :updated');
    const values: Record<string, AttributeValue> = {
      ':stream': { S: progress.streamName },
      ':shard': { S: progress.shardId },
      ':caught': { N: String(progress.caughtUpTo) },
      ':closed': { BOOL: progress.closed },
      ':updated': { N: String(progress.updatedAt) },
      ...(progress.closed ? {} : { ':open': { BOOL: false } }),
    };
    // Together or not at all: one says for which watched executions the other holds.
    if (progress.readUpTo !== undefined && progress.watchesAsOf !== undefined) {
      sets.push('read_up_to = :readUpTo', 'watches_as_of = :watchesAsOf');
      values[':readUpTo'] = { N: String(progress.readUpTo) };
      values[':watchesAsOf'] = { N: String(progress.watchesAsOf) };
    }
    if (checkpoint !== undefined) {
      sets.push('#checkpoint = :checkpoint', 'checkpoint_at = :checkpointAt');
      values[':checkpoint'] = { S: checkpoint };
      values[':checkpointAt'] = { N: String(checkpointAt ?? 0) };
    }
    try {
      await this.call('UpdateItem', () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: shardProgressKey(progress.streamName, progress.shardId),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: `attribute_not_exists(seq) OR (${forward})`,
            ...(checkpoint === undefined ? {} : { ExpressionAttributeNames: { '#checkpoint': 'checkpoint' } }),
            ExpressionAttributeValues: values,
          }),
        ),
      );
    } catch (error) {
      // A stale report (a restarted forwarder not yet at the tip, a late retry): the newer one stands.
      if (!isConditionFailure(error)) throw error;
      // Closing is final whatever the point of the report (another round got further before this one read the end):
      // the shard closes and keeps its point, or the seals of its streams would wait for it in vain.
      if (progress.closed) await this.closeShard(progress);
    }
  }

  /** Marks a shard's progress item closed, keeping its point (the item exists: a report was refused against it). */
  private async closeShard(progress: ShardProgress): Promise<void> {
    try {
      await this.call('UpdateItem', () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: shardProgressKey(progress.streamName, progress.shardId),
            UpdateExpression: 'SET closed = :closed, updated_at = :updated',
            ConditionExpression: 'shard_id = :shard AND closed = :open',
            ExpressionAttributeValues: {
              ':closed': { BOOL: true },
              ':open': { BOOL: false },
              ':shard': { S: progress.shardId },
              ':updated': { N: String(progress.updatedAt) },
            },
          }),
        ),
      );
    } catch (error) {
      // Closed already.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async recordShardLoss(streamName: string, shardId: string, window: ShardLossWindow): Promise<void> {
    checkLossWindow(streamName, shardId, window);
    try {
      await this.call('UpdateItem', () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: shardProgressKey(streamName, shardId),
            // A shard with no progress yet gets a progress item that claims nothing (caught up to 0, open).
            UpdateExpression:
              'SET stream_name = :stream, shard_id = :shard, caught_up_to = if_not_exists(caught_up_to, :zero), ' +
              'closed = if_not_exists(closed, :false), updated_at = if_not_exists(updated_at, :detected), ' +
              'loss_windows = list_append(if_not_exists(loss_windows, :none), :window) ADD loss_after :after',
            // Known by the trimmed checkpoint: a retried call adds nothing.
            ConditionExpression: 'NOT contains(loss_after, :afterOne)',
            ExpressionAttributeValues: {
              ':stream': { S: streamName },
              ':shard': { S: shardId },
              ':zero': { N: '0' },
              ':false': { BOOL: false },
              ':detected': { N: String(window.detectedAt) },
              ':none': { L: [] },
              ':window': { L: [{ M: lossWindowItem(window) }] },
              ':after': { SS: [window.afterSequenceNumber] },
              ':afterOne': { S: window.afterSequenceNumber },
            },
          }),
        ),
      );
    } catch (error) {
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

  async putWatches(streamName: string, executionIds: readonly string[], untilMs: number): Promise<void> {
    if (!Number.isSafeInteger(untilMs) || untilMs < 0)
      throw new InvalidInputError('untilMs', 'watch: untilMs must be epoch milliseconds');
    const ids = [...new Set(executionIds)];
    if (ids.some((id) => id === ''))
      throw new InvalidInputError('executionId', 'watch: execution ids must be non-empty');
    for (let start = 0; start < ids.length; start += WATCH_BATCH) {
      let requests: { PutRequest: { Item: Item } }[] = ids.slice(start, start + WATCH_BATCH).map((executionId) => ({
        PutRequest: {
          Item: {
            ...watchKey(streamName, executionId),
            watch_execution: { S: executionId },
            until: { N: String(untilMs) },
            // Removed by TTL once long over (a watch is read as over from `until` on).
            expires_at: { N: String(Math.ceil(untilMs / 1000) + WATCH_TTL_SECONDS) },
          },
        },
      }));
      // What DynamoDB leaves unprocessed (throttling) is written again; a watch that keeps failing only costs latency.
      for (let attempt = 0; requests.length > 0 && attempt < 3; attempt++) {
        const result = await this.call('BatchWriteItem', () =>
          this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: requests } })),
        );
        requests = (result.UnprocessedItems?.[this.table] ?? []).flatMap((request) =>
          request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : [],
        );
      }
      if (requests.length > 0) throw new Error(`${requests.length} watches left unprocessed by DynamoDB`);
    }
  }

  async readWatches(streamName: string, nowMs: number): Promise<Set<string>> {
    const watched = new Set<string>();
    for (const item of await this.partition(watchPartition(streamName))) {
      const executionId = item.watch_execution?.S;
      if (executionId !== undefined && Number(item.until?.N ?? 0) > nowMs) watched.add(executionId);
    }
    return watched;
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
