import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  DescribeTableCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { ExecutionRecord, LogChunk, LogSeal } from '../../domain';
import {
  ChunkConflictError,
  DependencyError,
  UnknownExecutionError,
  LogSealedError,
  type CallObserver,
  type ChunkBatchReader,
  type ChunkKey,
  type LogStore,
  type StoredChunk,
} from '../../ports';
import { batchGetItems } from './batch-get';
import { observedCall, type TableTarget } from './observed-call';
import {
  chunkItem,
  expiresAtOf,
  isFence,
  PROVISIONAL_EXPIRY_ATTRIBUTE,
  RECORD_SEQ,
  toChunk,
  toRecord,
  type Item,
} from './log-items';
import { expireChunks, expireRoutes, writeSeal } from './log-seal';
import { isConditionFailure, itemOfConditionFailure } from './condition-failures';

const PAGE_ITEMS = 16;

/** Options of the DynamoDB log store. */
export interface DynamoDbLogStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly observe?: CallObserver;
  readonly now?: () => number;
  /**
   * How long the items of a log not yet sealed live after they are written (seconds): the longest an execution may
   * take to be sealed plus the retention. Each record and chunk is written with that provisional expiry, so a log
   * that is never sealed (its workflow terminated) is removed by TTL in the end, and the seal rewrites no chunk
   * unless it comes later than its record's provisional expiry allows. Without it, unsealed items never expire.
   */
  readonly unsealedTtlSeconds?: number;
}

/**
 * The log store on one DynamoDB table: PK `execution_id`, SK `seq`. A chunk item holds the
 * compressed events `seq..last` and the ingest cursor after `last`; the item at seq 0 holds the
 * execution record and, once written, its seal. The seal first puts a fence item at `last_index + 1`,
 * which is what refuses every later append (see `FENCE_ATTRIBUTE` and `writeSeal`).
 */
export class DynamoDbLogStore implements LogStore, ChunkBatchReader {
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly observe: CallObserver;
  private readonly now: () => number;
  /** Where the seal and the batch reads send their calls. */
  private readonly target: TableTarget;
  private readonly unsealedTtlSeconds: number | undefined;

  constructor(options: DynamoDbLogStoreOptions) {
    this.client = options.client;
    this.table = options.tableName;
    this.observe = options.observe ?? (() => undefined);
    this.now = options.now ?? Date.now;
    this.unsealedTtlSeconds = options.unsealedTtlSeconds;
    this.target = { client: this.client, table: this.table, call: (operation, send) => this.call(operation, send) };
  }

  async latestChunk(executionId: string): Promise<StoredChunk | undefined> {
    let item = await this.latestItem(executionId, undefined);
    // A sealed log ends with its fence: the latest chunk is the one below it (sealed logs only pay this).
    if (isFence(item)) item = await this.latestItem(executionId, Number(item?.seq?.N));
    return item ? toChunk(item) : undefined;
  }

  async appendChunk(executionId: string, chunk: LogChunk): Promise<void> {
    try {
      await this.call('PutItem', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: chunkItem(executionId, chunk, this.provisionalExpiry()),
            ConditionExpression: 'attribute_not_exists(seq)',
            // What holds the index tells a lost race (a chunk) from a sealed log (the fence).
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      if (isFence(itemOfConditionFailure(error))) throw new LogSealedError(executionId);
      throw new ChunkConflictError(executionId, chunk.seq);
    }
  }

  async *readChunks(executionId: string, fromIndex: number): AsyncIterable<StoredChunk> {
    const head = await this.call('Query', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'execution_id = :id AND seq BETWEEN :one AND :from',
          ExpressionAttributeValues: {
            ':id': { S: executionId },
            ':one': { N: '1' },
            ':from': { N: String(Math.max(1, fromIndex)) },
          },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      ),
    );
    let after = Math.max(0, fromIndex - 1);
    const first = head.Items?.[0];
    if (first && !isFence(first) && !this.expired(first)) {
      const chunk = toChunk(first);
      if (chunk.last >= fromIndex) {
        yield chunk;
        after = chunk.seq;
      }
    }
    let startKey: Item | undefined;
    do {
      const input: QueryCommandInput = {
        TableName: this.table,
        KeyConditionExpression: 'execution_id = :id AND seq > :after',
        ExpressionAttributeValues: { ':id': { S: executionId }, ':after': { N: String(after) } },
        Limit: PAGE_ITEMS,
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      };
      const page = await this.call('Query', () => this.client.send(new QueryCommand(input)));
      for (const item of page.Items ?? []) {
        if (!isFence(item) && !this.expired(item)) yield toChunk(item);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async chunksAt(keys: readonly ChunkKey[]): Promise<(StoredChunk | undefined)[]> {
    const found = await this.batchGet(keys);
    return keys.map((key) => {
      const item = found.get(itemKeyOf(key));
      return item && key.seq >= 1 && !isFence(item) && !this.expired(item) ? toChunk(item) : undefined;
    });
  }

  async recordsOf(executionIds: readonly string[]): Promise<(ExecutionRecord | undefined)[]> {
    const keys = executionIds.map((executionId) => ({ executionId, seq: Number(RECORD_SEQ) }));
    const found = await this.batchGet(keys);
    return keys.map((key) => {
      const item = found.get(itemKeyOf(key));
      return item && !this.expired(item) ? toRecord(item) : undefined;
    });
  }

  /**
   * The items at `keys`, by `itemKeyOf`. Keys DynamoDB left unprocessed (throttling, a large answer) are absent, as
   * `ChunkBatchReader` allows: each caller reads them another way (a tail reads its own chunks and seal, the route
   * cache a missing record with `getExecution`), so a batch read never waits on a throttled table.
   */
  private async batchGet(keys: readonly ChunkKey[]): Promise<Map<string, Item>> {
    const unique = [...new Map(keys.map((key) => [itemKeyOf(key), key])).values()];
    const { items } = await batchGetItems(
      this.target,
      unique.map((key) => ({ execution_id: { S: key.executionId }, seq: { N: String(key.seq) } })),
    );
    return new Map(
      items.map((item) => [itemKeyOf({ executionId: item.execution_id?.S ?? '', seq: Number(item.seq?.N) }), item]),
    );
  }

  async registerExecution(record: ExecutionRecord): Promise<ExecutionRecord> {
    try {
      await this.call('PutItem', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            // A provisional expiry (if any), which the seal replaces with its own.
            Item: {
              ...this.provisionalAttributes(),
              execution_id: { S: record.executionId },
              seq: { N: RECORD_SEQ },
              log_group: { S: record.location.logGroup },
              log_streams: { S: JSON.stringify(record.location.logStreams) },
              started_at: { N: String(record.startedAt) },
              ...(record.ingest === undefined ? {} : { ingest: { S: record.ingest } }),
            },
            ConditionExpression: 'attribute_not_exists(seq)',
          }),
        ),
      );
      return record;
    } catch (error) {
      if (isConditionFailure(error)) {
        const existing = await this.getExecution(record.executionId);
        if (existing) return existing;
      }
      throw error;
    }
  }

  async getExecution(executionId: string): Promise<ExecutionRecord | undefined> {
    const item = await this.recordItem(executionId);
    return item && !this.expired(item) ? toRecord(item) : undefined;
  }

  async sealLog(executionId: string, seal: LogSeal, expiresAt: number): Promise<LogSeal> {
    const existing = await this.recordItem(executionId);
    if (!existing) throw new UnknownExecutionError(executionId);
    const record = toRecord(existing);
    if (record.seal) return this.finishSealed(executionId, existing, record.seal);
    // Expiry first: once the seal is visible, every chunk (and route) lives at least as long as the seal says.
    if (needsChunkExpiry(existing, expiresAt)) {
      await expireChunks(this.target, executionId, seal.lastIndex, expiresAt);
    }
    await expireRoutes(this.target, record, expiresAt);
    const written = await writeSeal(this.target, executionId, seal, expiresAt);
    if (written === 'chunk-past-tip') throw new ChunkConflictError(executionId, seal.lastIndex + 1);
    if (written === 'record-refused') {
      // Deleted meanwhile, or sealed by a concurrent drain: its seal stands, with its expiry.
      const now = await this.recordItem(executionId);
      if (!now) throw new UnknownExecutionError(executionId);
      const sealed = toRecord(now).seal;
      // Refused, yet unsealed: the record changed between the two reads (removed and written again). Try again.
      if (!sealed) throw new DependencyError('dynamodb', 'UpdateItem', `the record of ${executionId} changed`);
      return this.finishSealed(executionId, now, sealed);
    }
    return seal;
  }

  /** A log sealed before (a retry, or a second drain): its first seal stands; finish giving its expiry. */
  private async finishSealed(executionId: string, record: Item, seal: LogSeal): Promise<LogSeal> {
    if (needsChunkExpiry(record, expiresAtOf(record))) {
      await expireChunks(this.target, executionId, seal.lastIndex, expiresAtOf(record));
    }
    await expireRoutes(this.target, toRecord(record), expiresAtOf(record));
    return seal;
  }

  /** The expiry of an item of an unsealed log written now (epoch seconds), if unsealed logs get one. */
  private provisionalExpiry(): number | undefined {
    return this.unsealedTtlSeconds === undefined ? undefined : Math.ceil(this.now() / 1000) + this.unsealedTtlSeconds;
  }

  private provisionalAttributes(): Item {
    const expiresAt = this.provisionalExpiry();
    if (expiresAt === undefined) return {};
    return { expires_at: { N: String(expiresAt) }, [PROVISIONAL_EXPIRY_ATTRIBUTE]: { N: String(expiresAt) } };
  }

  async ping(): Promise<void> {
    await this.call('DescribeTable', () => this.client.send(new DescribeTableCommand({ TableName: this.table })));
  }

  private async latestItem(executionId: string, below: number | undefined): Promise<Item | undefined> {
    const result = await this.call('Query', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression:
            below === undefined
              ? 'execution_id = :id AND seq > :zero'
              : 'execution_id = :id AND seq BETWEEN :one AND :below',
          ExpressionAttributeValues:
            below === undefined
              ? { ':id': { S: executionId }, ':zero': { N: RECORD_SEQ } }
              : { ':id': { S: executionId }, ':one': { N: '1' }, ':below': { N: String(below - 1) } },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      ),
    );
    return result.Items?.[0];
  }

  private async recordItem(executionId: string): Promise<Item | undefined> {
    const result = await this.call('GetItem', () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.table,
          Key: { execution_id: { S: executionId }, seq: { N: RECORD_SEQ } },
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item;
  }

  private expired(item: Item): boolean {
    return expiresAtOf(item) * 1000 < this.now();
  }

  private call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    return observedCall(this.observe, operation, send);
  }
}

function itemKeyOf(key: ChunkKey): string {
  return `${key.seq}\u0000${key.executionId}`;
}

/**
 * Whether the seal must give the chunks of a log its expiry: not when the record's provisional expiry (which every
 * chunk, written after the record, has or exceeds) already lasts as long, as for every log sealed within the
 * unsealed TTL of its registration. A record without one (written without a TTL) always needs it.
 */
function needsChunkExpiry(record: Item, expiresAt: number): boolean {
  const provisional = Number(record[PROVISIONAL_EXPIRY_ATTRIBUTE]?.N ?? Number.NaN);
  return !(provisional >= expiresAt);
}
