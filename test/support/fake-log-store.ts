// An in-memory LogStore with the DynamoDB adapter's semantics, failure injection and call counting.
import {
  namedEvents,
  parseCursor,
  type ExecutionRecord,
  type IndexedEvent,
  type IngestMode,
  type LogChunk,
  type LogEvent,
  type LogLocation,
  type LogSeal,
} from '../../src/domain';
import {
  ChunkConflictError,
  DependencyError,
  type ChunkBatchReader,
  type ChunkKey,
  UnknownExecutionError,
  LogSealedError,
  type LogStore,
  type StoredChunk,
} from '../../src/ports';
import { FailureSchedule, noLatency, type InjectedFailure } from './fake-failures';

/** Operations of the in-memory log store, for counting and failure injection. */
export type StoreOperation =
  | 'latestChunk'
  | 'appendChunk'
  | 'readChunks'
  | 'chunksAt'
  | 'recordsOf'
  | 'registerExecution'
  | 'getExecution'
  | 'sealLog'
  | 'ping';

interface StoredItem {
  readonly executionId: string;
  readonly seq: number;
  readonly last: number;
  readonly events: readonly LogEvent[];
  /** JSON, as the DynamoDB adapter stores it. */
  readonly cursor: string;
  readonly lastTimestamp: number;
  /** Epoch seconds; undefined until the log is sealed (a running log's items never expire). */
  expiresAt: number | undefined;
}

interface RecordItem {
  readonly executionId: string;
  readonly location: LogLocation;
  readonly startedAt: number;
  readonly ingest: IngestMode | undefined;
  readonly seal: LogSeal | undefined;
  readonly expiresAt: number | undefined;
}

/** Options of the in-memory log store. */
export interface InMemoryLogStoreOptions {
  /** Clock used for TTL (epoch ms), like the DynamoDB adapter's `now`. */
  readonly now?: () => number;
  /** Awaited at the start of every operation (and between read pages), e.g. `jitter(seed)`. */
  readonly latency?: () => Promise<void>;
  /** Chunks per `readChunks` page after the head chunk (the adapter uses 16). */
  readonly pageItems?: number;
}

/**
 * An in-memory `LogStore` with the DynamoDB adapter's semantics, and stricter where it can be:
 * conditional append on the first index, refused anywhere once the log is sealed; latest chunk
 * regardless of TTL, reads that skip expired items; items without expiry until the seal, which
 * gives the record and every chunk its `expiresAt`; a record at seq 0 whose seal is written once,
 * never on a missing record, and never when a chunk lies past the sealed last index.
 */
export class InMemoryLogStore implements LogStore, ChunkBatchReader {
  /** Calls per operation. */
  readonly calls: Record<StoreOperation, number> = {
    latestChunk: 0,
    appendChunk: 0,
    readChunks: 0,
    chunksAt: 0,
    recordsOf: 0,
    registerExecution: 0,
    getExecution: 0,
    sealLog: 0,
    ping: 0,
  };
  private readonly logs = new Map<string, Map<number, StoredItem>>();
  private readonly records = new Map<string, RecordItem>();
  private readonly failures = new FailureSchedule<StoreOperation>();
  private readonly now: () => number;
  private readonly latency: () => Promise<void>;
  private readonly pageItems: number;

  constructor(options: InMemoryLogStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.latency = options.latency ?? noLatency;
    this.pageItems = options.pageItems ?? 16;
  }

  /**
   * The next `count` calls of `operation` (after letting `after` through) throw `error`, by default a
   * retryable `DependencyError` (code DYNAMODB_UNAVAILABLE). With `applied`, an append takes effect
   * before throwing, as when DynamoDB stored the item but the response was lost.
   */
  failNext(
    operation: StoreOperation,
    count = 1,
    options: { after?: number; error?: () => unknown; applied?: boolean } = {},
  ): void {
    this.failures.add(operation, {
      after: options.after ?? 0,
      count,
      error: options.error ?? (() => new DependencyError('dynamodb', operation, new Error('injected failure'))),
      applied: options.applied ?? false,
    });
  }

  /** Removes a chunk, as a TTL deletion or a lost item would. */
  deleteChunk(executionId: string, seq: number): boolean {
    return this.logs.get(executionId)?.delete(seq) ?? false;
  }

  /** Removes the execution record, as a TTL deletion or a deletion by hand would. */
  deleteRecord(executionId: string): boolean {
    return this.records.delete(executionId);
  }

  /**
   * The expiry (epoch seconds, undefined = none) of the record (`seq` 0) and of every chunk, in index
   * order, expired or not (inspection only, no call counted).
   */
  expiries(executionId: string): { seq: number; expiresAt: number | undefined }[] {
    const record = this.records.get(executionId);
    return [
      ...(record ? [{ seq: 0, expiresAt: record.expiresAt }] : []),
      ...this.sortedItems(executionId).map((item) => ({ seq: item.seq, expiresAt: item.expiresAt })),
    ];
  }

  /** Every stored chunk of an execution in index order, expired or not (inspection only, no call counted). */
  chunks(executionId: string): StoredChunk[] {
    return this.sortedItems(executionId).map(toStoredChunk);
  }

  /** Every stored event with its index, in index order (inspection only, no call counted). */
  events(executionId: string): IndexedEvent[] {
    const events: IndexedEvent[] = [];
    for (const item of this.sortedItems(executionId)) {
      item.events.forEach((event, offset) =>
        events.push({ index: item.seq + offset, timestamp: event.timestamp, message: event.message }),
      );
    }
    return events;
  }

  async latestChunk(executionId: string): Promise<StoredChunk | undefined> {
    await this.enter('latestChunk');
    const items = this.sortedItems(executionId);
    const latest = items[items.length - 1];
    return latest ? toStoredChunk(latest) : undefined;
  }

  async appendChunk(executionId: string, chunk: LogChunk): Promise<void> {
    const failure = await this.enter('appendChunk', true);
    if (!Number.isSafeInteger(chunk.seq) || chunk.seq < 1 || chunk.events.length === 0) {
      throw new TypeError(`malformed chunk: seq ${chunk.seq} with ${chunk.events.length} events`);
    }
    if (chunk.last !== chunk.seq + chunk.events.length - 1) {
      throw new TypeError(`malformed chunk: ${chunk.seq}..${chunk.last} holds ${chunk.events.length} events`);
    }
    const log = this.logs.get(executionId) ?? new Map<number, StoredItem>();
    this.logs.set(executionId, log);
    if (log.has(chunk.seq)) throw new ChunkConflictError(executionId, chunk.seq);
    if (this.records.get(executionId)?.seal) throw new LogSealedError(executionId);
    log.set(chunk.seq, {
      executionId,
      seq: chunk.seq,
      last: chunk.last,
      events: chunk.events.map(copyEvent),
      cursor: JSON.stringify(chunk.cursor),
      lastTimestamp: chunk.events[chunk.events.length - 1]?.timestamp ?? 0,
      expiresAt: undefined,
    });
    if (failure) throw failure.error();
  }

  async *readChunks(executionId: string, fromIndex: number): AsyncIterable<StoredChunk> {
    await this.enter('readChunks');
    // Like the adapter: the chunk with the highest seq <= fromIndex, if it reaches fromIndex; then pages after it.
    const head = this.sortedItems(executionId)
      .filter((item) => item.seq <= Math.max(1, fromIndex))
      .pop();
    let after = Math.max(0, fromIndex - 1);
    if (head && !this.expired(head.expiresAt) && head.last >= fromIndex) {
      yield toStoredChunk(head);
      after = head.seq;
    }
    for (;;) {
      await this.latency();
      const page = this.sortedItems(executionId)
        .filter((item) => item.seq > after)
        .slice(0, this.pageItems);
      for (const item of page) {
        if (!this.expired(item.expiresAt)) yield toStoredChunk(item);
      }
      const lastOfPage = page[page.length - 1];
      if (!lastOfPage || page.length < this.pageItems) return;
      after = lastOfPage.seq;
    }
  }

  async chunksAt(keys: readonly ChunkKey[]): Promise<(StoredChunk | undefined)[]> {
    await this.enter('chunksAt');
    return keys.map(({ executionId, seq }) => {
      const item = this.logs.get(executionId)?.get(seq);
      return item && !this.expired(item.expiresAt) ? toStoredChunk(item) : undefined;
    });
  }

  async registerExecution(record: ExecutionRecord): Promise<ExecutionRecord> {
    await this.enter('registerExecution');
    const existing = this.records.get(record.executionId);
    if (!existing) {
      this.records.set(record.executionId, {
        executionId: record.executionId,
        location: { logGroup: record.location.logGroup, logStreams: [...record.location.logStreams] },
        startedAt: record.startedAt,
        ingest: record.ingest,
        seal: undefined,
        expiresAt: undefined,
      });
      return record;
    }
    const visible = this.visibleRecord(record.executionId);
    if (visible) return visible;
    throw new DependencyError('dynamodb', 'PutItem', new Error('The conditional request failed'), false);
  }

  async recordsOf(executionIds: readonly string[]): Promise<(ExecutionRecord | undefined)[]> {
    await this.enter('recordsOf');
    return executionIds.map((executionId) => this.visibleRecord(executionId));
  }

  async getExecution(executionId: string): Promise<ExecutionRecord | undefined> {
    await this.enter('getExecution');
    return this.visibleRecord(executionId);
  }

  async sealLog(executionId: string, seal: LogSeal, expiresAt: number): Promise<LogSeal> {
    await this.enter('sealLog');
    const existing = this.records.get(executionId);
    // Like the adapter's conditions: a seal never recreates a deleted record, nor overwrites a seal.
    if (!existing) throw new UnknownExecutionError(executionId);
    if (existing.seal) {
      this.expireChunks(executionId, existing.expiresAt);
      return { ...existing.seal };
    }
    if (this.sortedItems(executionId).some((item) => item.last > seal.lastIndex)) {
      throw new ChunkConflictError(executionId, seal.lastIndex + 1);
    }
    this.records.set(executionId, { ...existing, seal: { ...seal }, expiresAt });
    this.expireChunks(executionId, expiresAt);
    return seal;
  }

  async ping(): Promise<void> {
    await this.enter('ping');
  }

  private async enter(operation: StoreOperation, deferrable = false): Promise<InjectedFailure | undefined> {
    this.calls[operation]++;
    await this.latency();
    const failure = this.failures.take(operation);
    if (failure && !(deferrable && failure.applied)) throw failure.error();
    return failure;
  }

  private expireChunks(executionId: string, expiresAt: number | undefined): void {
    for (const item of this.logs.get(executionId)?.values() ?? []) item.expiresAt = expiresAt;
  }

  private visibleRecord(executionId: string): ExecutionRecord | undefined {
    const item = this.records.get(executionId);
    if (!item || this.expired(item.expiresAt)) return undefined;
    return {
      executionId: item.executionId,
      location: { logGroup: item.location.logGroup, logStreams: [...item.location.logStreams] },
      startedAt: item.startedAt,
      ...(item.ingest === undefined ? {} : { ingest: item.ingest }),
      seal: item.seal ? { ...item.seal } : undefined,
    };
  }

  private sortedItems(executionId: string): StoredItem[] {
    return [...(this.logs.get(executionId)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
  }

  private expired(expiresAt: number | undefined): boolean {
    return expiresAt !== undefined && expiresAt * 1000 < this.now();
  }
}

// Read back as the adapter reads them: each event named by its stream (see `namedEvents`).
function toStoredChunk(item: StoredItem): StoredChunk {
  const cursor = parseCursor(JSON.parse(item.cursor));
  return {
    seq: item.seq,
    last: item.last,
    events: namedEvents(item.executionId, item.events.map(copyEvent), cursor),
    cursor,
    lastTimestamp: item.lastTimestamp,
  };
}

// Events as the adapter stores them: the id and the recovered mark are kept only when the event has them.
function copyEvent(event: LogEvent): LogEvent {
  return {
    timestamp: event.timestamp,
    message: event.message,
    ...(event.stream === undefined ? {} : { stream: event.stream }),
    ...(event.stderr === true ? { stderr: true } : {}),
    ...(event.eventId === undefined ? {} : { eventId: event.eventId }),
    ...(event.recovered === true ? { recovered: true } : {}),
  };
}
