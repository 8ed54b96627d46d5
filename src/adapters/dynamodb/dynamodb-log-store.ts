import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  DescribeTableCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { ExecutionRecord, LogChunk, LogSeal } from '../../domain';
import {
  ChunkConflictError,
  ExecutionNotFoundError,
  LogSealedError,
  type CallObserver,
  type LogStore,
  type StoredChunk,
} from '../../ports';
import { toDependencyError } from '../aws-errors';
import { chunkItem, expiresAtOf, fenceItem, isFence, RECORD_SEQ, toChunk, toRecord, type Item } from './log-items';
import {
  cancellationReasons,
  isConditionFailure,
  itemOfConditionFailure,
  transientCancellation,
} from './condition-failures';

const PAGE_ITEMS = 16;
// UpdateItems in flight while a seal gives a long log's chunks their expiry.
const EXPIRY_CONCURRENCY = 8;

/** Options of the DynamoDB log store. */
export interface DynamoDbLogStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly observe?: CallObserver;
  readonly now?: () => number;
}

/**
 * The log store on one DynamoDB table: PK `execution_id`, SK `seq`. A chunk item holds the
 * compressed events `seq..last` and the ingest cursor after `last`; the item at seq 0 holds the
 * execution record and, once written, its seal. The seal also puts a fence item at `last_index + 1`
 * in the same transaction, which is what refuses every later append (see `FENCE_ATTRIBUTE`).
 */
export class DynamoDbLogStore implements LogStore {
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly observe: CallObserver;
  private readonly now: () => number;

  constructor(options: DynamoDbLogStoreOptions) {
    this.client = options.client;
    this.table = options.tableName;
    this.observe = options.observe ?? (() => undefined);
    this.now = options.now ?? Date.now;
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
            Item: chunkItem(executionId, chunk),
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

  async registerExecution(record: ExecutionRecord): Promise<ExecutionRecord> {
    try {
      await this.call('PutItem', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            // No expires_at: a running execution's record never expires; the seal gives it one.
            Item: {
              execution_id: { S: record.executionId },
              seq: { N: RECORD_SEQ },
              log_group: { S: record.location.logGroup },
              log_streams: { S: JSON.stringify(record.location.logStreams) },
              started_at: { N: String(record.startedAt) },
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
    const key = { execution_id: { S: executionId }, seq: { N: RECORD_SEQ } };
    try {
      await this.call('TransactWriteItems', () =>
        this.client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.table,
                  Key: key,
                  UpdateExpression: `SET #status = :status, completed_at = :completed, last_index = :last, sealed_at = :sealed, expires_at = :expires${
                    seal.exitCode === undefined ? '' : ', exit_code = :exit'
                  }`,
                  // Never recreate a deleted record, never overwrite a seal.
                  ConditionExpression: 'attribute_exists(seq) AND attribute_not_exists(sealed_at)',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: {
                    ':status': { S: seal.status },
                    ':completed': { N: String(seal.completedAt) },
                    ':last': { N: String(seal.lastIndex) },
                    ':sealed': { N: String(seal.sealedAt) },
                    ':expires': { N: String(expiresAt) },
                    ...(seal.exitCode === undefined ? {} : { ':exit': { N: String(seal.exitCode) } }),
                  },
                },
              },
              {
                Put: {
                  TableName: this.table,
                  Item: fenceItem(executionId, seal.lastIndex, expiresAt),
                  ConditionExpression: 'attribute_not_exists(seq)',
                },
              },
            ],
          }),
        ),
      );
    } catch (error) {
      const transient = transientCancellation(error, 'TransactWriteItems');
      if (transient) throw transient;
      const [record, fence] = cancellationReasons(error);
      if (record === 'ConditionalCheckFailed') {
        const existing = await this.recordItem(executionId);
        const existingSeal = existing ? toRecord(existing).seal : undefined;
        if (!existing) throw new ExecutionNotFoundError(executionId);
        if (!existingSeal) throw error;
        // Sealed before (this is a retry, or a second drain): finish what the first seal may not have.
        await this.expireChunks(executionId, existingSeal.lastIndex, expiresAtOf(existing));
        return existingSeal;
      }
      if (record === 'None' && fence === 'ConditionalCheckFailed') {
        throw new ChunkConflictError(executionId, seal.lastIndex + 1);
      }
      throw error;
    }
    await this.expireChunks(executionId, seal.lastIndex, expiresAt);
    return seal;
  }

  async ping(): Promise<void> {
    await this.call('DescribeTable', () => this.client.send(new DescribeTableCommand({ TableName: this.table })));
  }

  /**
   * Gives every chunk of a sealed log the seal's expiry: one UpdateItem per chunk (about 200 KB of
   * events each), conditional on the chunk existing so that none is recreated. Idempotent.
   */
  private async expireChunks(executionId: string, lastIndex: number, expiresAt: number): Promise<void> {
    if (!Number.isFinite(expiresAt)) return;
    let startKey: Item | undefined;
    do {
      const page = await this.call('Query', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'execution_id = :id AND seq BETWEEN :one AND :last',
            ExpressionAttributeValues: {
              ':id': { S: executionId },
              ':one': { N: '1' },
              ':last': { N: String(lastIndex) },
            },
            ProjectionExpression: 'seq, expires_at',
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      const due = (page.Items ?? []).filter((item) => expiresAtOf(item) !== expiresAt);
      for (let i = 0; i < due.length; i += EXPIRY_CONCURRENCY) {
        await Promise.all(
          due.slice(i, i + EXPIRY_CONCURRENCY).map((item) => this.expireItem(executionId, item, expiresAt)),
        );
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  private async expireItem(executionId: string, item: Item, expiresAt: number): Promise<void> {
    try {
      await this.call('UpdateItem', () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: { execution_id: { S: executionId }, seq: { N: item.seq?.N ?? '' } },
            UpdateExpression: 'SET expires_at = :expires',
            ConditionExpression: 'attribute_exists(seq)',
            ExpressionAttributeValues: { ':expires': { N: String(expiresAt) } },
          }),
        ),
      );
    } catch (error) {
      // Deleted meanwhile (expired, or removed by hand): it stays deleted.
      if (!isConditionFailure(error)) throw error;
    }
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

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      const result = await send();
      this.observe('dynamodb', operation, true);
      return result;
    } catch (error) {
      const wrapped = toDependencyError('dynamodb', operation, error);
      // A failed condition is an answer, not a failing dependency.
      this.observe('dynamodb', operation, isConditionFailure(wrapped) || cancellationReasons(wrapped).length > 0);
      throw wrapped;
    }
  }
}
