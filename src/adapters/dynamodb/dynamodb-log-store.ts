import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  DescribeTableCommand,
  type AttributeValue,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { isTerminalStatus, parseCursor, type ExecutionRecord, type LogChunk, type LogSeal } from '../../domain';
import { ChunkConflictError, DependencyError, type CallObserver, type LogStore, type StoredChunk } from '../../ports';
import { toDependencyError } from '../aws-errors';
import { decodeEvents, encodeEvents } from './chunk-codec';

type Item = Record<string, AttributeValue>;

// The execution record (and its seal) lives at seq 0; chunks start at seq 1.
const RECORD_SEQ = '0';
const PAGE_ITEMS = 16;

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
 * execution record and, once written, its seal.
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
    const result = await this.call('Query', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'execution_id = :id AND seq > :zero',
          ExpressionAttributeValues: { ':id': { S: executionId }, ':zero': { N: RECORD_SEQ } },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      ),
    );
    const item = result.Items?.[0];
    return item ? toChunk(item) : undefined;
  }

  async appendChunk(executionId: string, chunk: LogChunk, expiresAt: number): Promise<void> {
    const last = chunk.events[chunk.events.length - 1];
    try {
      await this.call('PutItem', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: {
              execution_id: { S: executionId },
              seq: { N: String(chunk.seq) },
              last: { N: String(chunk.last) },
              data: { B: encodeEvents(chunk.events) },
              cursor: { S: JSON.stringify(chunk.cursor) },
              last_ts: { N: String(last?.timestamp ?? 0) },
              expires_at: { N: String(expiresAt) },
            },
            ConditionExpression: 'attribute_not_exists(seq)',
          }),
        ),
      );
    } catch (error) {
      if (error instanceof DependencyError && error.cause instanceof ConditionalCheckFailedException) {
        throw new ChunkConflictError(executionId, chunk.seq);
      }
      throw error;
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
    if (first && !this.expired(first)) {
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
        if (!this.expired(item)) yield toChunk(item);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async registerExecution(record: ExecutionRecord, expiresAt: number): Promise<ExecutionRecord> {
    try {
      await this.call('PutItem', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: {
              execution_id: { S: record.executionId },
              seq: { N: RECORD_SEQ },
              log_group: { S: record.location.logGroup },
              log_streams: { S: JSON.stringify(record.location.logStreams) },
              started_at: { N: String(record.startedAt) },
              expires_at: { N: String(expiresAt) },
            },
            ConditionExpression: 'attribute_not_exists(seq)',
          }),
        ),
      );
      return record;
    } catch (error) {
      if (error instanceof DependencyError && error.cause instanceof ConditionalCheckFailedException) {
        const existing = await this.getExecution(record.executionId);
        if (existing) return existing;
      }
      throw error;
    }
  }

  async getExecution(executionId: string): Promise<ExecutionRecord | undefined> {
    const result = await this.call('GetItem', () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.table,
          Key: { execution_id: { S: executionId }, seq: { N: RECORD_SEQ } },
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item && !this.expired(result.Item) ? toRecord(result.Item) : undefined;
  }

  async sealLog(executionId: string, seal: LogSeal, expiresAt: number): Promise<LogSeal> {
    try {
      await this.call('UpdateItem', () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: { execution_id: { S: executionId }, seq: { N: RECORD_SEQ } },
            UpdateExpression: `SET #status = :status, completed_at = :completed, last_index = :last, sealed_at = :sealed, expires_at = :expires${
              seal.exitCode === undefined ? '' : ', exit_code = :exit'
            }`,
            ConditionExpression: 'attribute_not_exists(sealed_at)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': { S: seal.status },
              ':completed': { N: String(seal.completedAt) },
              ':last': { N: String(seal.lastIndex) },
              ':sealed': { N: String(seal.sealedAt) },
              ':expires': { N: String(expiresAt) },
              ...(seal.exitCode === undefined ? {} : { ':exit': { N: String(seal.exitCode) } }),
            },
          }),
        ),
      );
      return seal;
    } catch (error) {
      if (error instanceof DependencyError && error.cause instanceof ConditionalCheckFailedException) {
        const existing = (await this.getExecution(executionId))?.seal;
        if (existing) return existing;
      }
      throw error;
    }
  }

  async ping(): Promise<void> {
    await this.call('DescribeTable', () => this.client.send(new DescribeTableCommand({ TableName: this.table })));
  }

  private expired(item: Item): boolean {
    const expiresAt = Number(item.expires_at?.N ?? Number.POSITIVE_INFINITY);
    return expiresAt * 1000 < this.now();
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      const result = await send();
      this.observe('dynamodb', operation, true);
      return result;
    } catch (error) {
      this.observe('dynamodb', operation, error instanceof ConditionalCheckFailedException);
      throw toDependencyError('dynamodb', operation, error);
    }
  }
}

function toChunk(item: Item): StoredChunk {
  const seq = Number(item.seq?.N);
  const last = Number(item.last?.N);
  const data = item.data?.B;
  if (!Number.isInteger(seq) || !Number.isInteger(last) || !data) throw new TypeError('malformed chunk item');
  const events = decodeEvents(data);
  if (events.length !== last - seq + 1) throw new TypeError(`chunk ${seq} holds ${events.length} events`);
  return {
    seq,
    last,
    events,
    cursor: parseCursor(JSON.parse(item.cursor?.S ?? '{}')),
    lastTimestamp: Number(item.last_ts?.N ?? 0),
  };
}

function toRecord(item: Item): ExecutionRecord {
  const status = item.status?.S;
  const sealedAt = item.sealed_at?.N;
  const streams = JSON.parse(item.log_streams?.S ?? '[]') as unknown;
  return {
    executionId: item.execution_id?.S ?? '',
    location: {
      logGroup: item.log_group?.S ?? '',
      logStreams: Array.isArray(streams) ? streams.filter((s): s is string => typeof s === 'string') : [],
    },
    startedAt: Number(item.started_at?.N ?? 0),
    seal:
      sealedAt !== undefined && isTerminalStatus(status)
        ? {
            status,
            completedAt: Number(item.completed_at?.N ?? 0),
            lastIndex: Number(item.last_index?.N ?? 0),
            sealedAt: Number(sealedAt),
            ...(item.exit_code?.N === undefined ? {} : { exitCode: Number(item.exit_code.N) }),
          }
        : undefined,
  };
}
