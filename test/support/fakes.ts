// In-memory LogStore and LogSource for unit tests: the contracts of src/ports, with the semantics of the
// DynamoDB and CloudWatch adapters, plus failure injection and call counting. No network, no SDK calls.
import {
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  mergeByArrival,
  parseCursor,
  positionOf,
  PUT_LIMITS,
  splitForPut,
  type ExecutionRecord,
  type IndexedEvent,
  type LogChunk,
  type LogEvent,
  type LogLocation,
  type LogSeal,
  type SourceCursor,
  type ArrivedEvent,
  type StreamPosition,
} from '../../src/domain';
import {
  ChunkConflictError,
  DependencyError,
  ExecutionNotFoundError,
  LogSealedError,
  type LogSource,
  type LogStore,
  type SourceBatch,
  type StoredChunk,
} from '../../src/ports';

/** A deterministic pseudo-random generator (mulberry32) returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Yields to the event loop 0..maxTicks times (seeded), so that concurrent callers interleave. */
export function jitter(seed: number, maxTicks = 3): () => Promise<void> {
  const random = seededRandom(seed);
  return async () => {
    const ticks = Math.floor(random() * (maxTicks + 1));
    for (let i = 0; i < ticks; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  };
}

const noLatency = (): Promise<void> => Promise.resolve();

interface InjectedFailure {
  /** Calls of the operation still to let through before failing. */
  after: number;
  count: number;
  error: () => unknown;
  /** Fail after the operation took effect (a lost response); appendChunk only. */
  applied: boolean;
}

/** Failure injection shared by both fakes: the next `count` calls of an operation throw. */
class FailureSchedule<Op extends string> {
  private readonly scheduled = new Map<Op, InjectedFailure[]>();

  add(operation: Op, failure: InjectedFailure): void {
    const list = this.scheduled.get(operation) ?? [];
    list.push(failure);
    this.scheduled.set(operation, list);
  }

  /** The failure this call of `operation` must suffer, if any (consumes it). */
  take(operation: Op): InjectedFailure | undefined {
    const list = this.scheduled.get(operation);
    const current = list?.[0];
    if (!list || !current) return undefined;
    if (current.after > 0) {
      current.after--;
      return undefined;
    }
    current.count--;
    if (current.count <= 0) list.shift();
    return current;
  }
}

/** Operations of the in-memory log store, for counting and failure injection. */
export type StoreOperation =
  'latestChunk' | 'appendChunk' | 'readChunks' | 'registerExecution' | 'getExecution' | 'sealLog' | 'ping';

interface StoredItem {
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
export class InMemoryLogStore implements LogStore {
  /** Calls per operation. */
  readonly calls: Record<StoreOperation, number> = {
    latestChunk: 0,
    appendChunk: 0,
    readChunks: 0,
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
      seq: chunk.seq,
      last: chunk.last,
      events: chunk.events.map((event) => ({ timestamp: event.timestamp, message: event.message })),
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

  async registerExecution(record: ExecutionRecord): Promise<ExecutionRecord> {
    await this.enter('registerExecution');
    const existing = this.records.get(record.executionId);
    if (!existing) {
      this.records.set(record.executionId, {
        executionId: record.executionId,
        location: { logGroup: record.location.logGroup, logStreams: [...record.location.logStreams] },
        startedAt: record.startedAt,
        seal: undefined,
        expiresAt: undefined,
      });
      return record;
    }
    const visible = this.visibleRecord(record.executionId);
    if (visible) return visible;
    throw new DependencyError('dynamodb', 'PutItem', new Error('The conditional request failed'), false);
  }

  async getExecution(executionId: string): Promise<ExecutionRecord | undefined> {
    await this.enter('getExecution');
    return this.visibleRecord(executionId);
  }

  async sealLog(executionId: string, seal: LogSeal, expiresAt: number): Promise<LogSeal> {
    await this.enter('sealLog');
    const existing = this.records.get(executionId);
    // Like the adapter's conditions: a seal never recreates a deleted record, nor overwrites a seal.
    if (!existing) throw new ExecutionNotFoundError(executionId);
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

function toStoredChunk(item: StoredItem): StoredChunk {
  return {
    seq: item.seq,
    last: item.last,
    events: item.events.map((event) => ({ timestamp: event.timestamp, message: event.message })),
    cursor: parseCursor(JSON.parse(item.cursor)),
    lastTimestamp: item.lastTimestamp,
  };
}

/** Operations of the in-memory log source, named after the CloudWatch API calls they model. */
export type SourceOperation = 'GetLogEvents' | 'PutLogEvents' | 'CreateLogStream' | 'DescribeLogGroups';

/** An event as the in-memory CloudWatch keeps it. */
export interface CloudWatchEvent extends LogEvent {
  /** Arrival order across all streams (a counter standing in for CloudWatch's ingestion time). */
  readonly ingestionTime: number;
}

/** A GetLogEvents response. */
export interface GetLogEventsPage {
  readonly events: readonly CloudWatchEvent[];
  readonly nextForwardToken: string;
}

/** The error of a GetLogEvents or PutLogEvents call on a stream that does not exist. */
export class StreamNotFoundError extends Error {
  readonly code = 'RESOURCE_NOT_FOUND';
  constructor(logGroup: string, logStream: string) {
    super(`The specified log stream does not exist: ${logGroup}/${logStream}`);
    this.name = 'StreamNotFoundError';
  }
}

/** Options of the in-memory log source. */
export interface InMemoryLogSourceOptions {
  /** Most events of one GetLogEvents page (CloudWatch: 10,000); small values exercise paging. */
  readonly pageSize?: number;
  /** GetLogEvents pages per stream in one `readAfter` (the adapter uses 10). */
  readonly maxPagesPerRead?: number;
  /** Awaited at the start of every API call, e.g. `jitter(seed)`. */
  readonly latency?: () => Promise<void>;
}

const TOKEN = /^f\/(\d+)$/;

/**
 * An in-memory CloudWatch Logs with GetLogEvents forward-token semantics per stream: a page read
 * after token `f/P` holds the events at positions P, P+1, ... (at most `pageSize`), and its
 * `nextForwardToken` is `f/(P + count)`, the same token back when nothing new is visible. Pages are
 * prefix-stable, so a `{token, skip}` position names one event forever. `readAfter` follows the
 * CloudWatch adapter's algorithm (per-stream pages, positions after every event, a page that is not
 * full ends the read of its stream, streams merged by arrival), with `pageSize` as the full page.
 * `PutLogEvents` enforces the API's batch limits.
 */
export class InMemoryLogSource implements LogSource {
  /** Calls per modelled API operation (failed ones included). */
  readonly calls: Record<SourceOperation, number> = {
    GetLogEvents: 0,
    PutLogEvents: 0,
    CreateLogStream: 0,
    DescribeLogGroups: 0,
  };
  /** `readAfter` calls. */
  readAfterCalls = 0;
  /** Every PutLogEvents batch accepted, in order (after the adapter-like split). */
  readonly putBatches: LogEvent[][] = [];
  private readonly streams = new Map<string, CloudWatchEvent[]>();
  private readonly failures = new FailureSchedule<SourceOperation>();
  private arrivals = 0;
  private readonly pageSize: number;
  private readonly maxPagesPerRead: number;
  private readonly latency: () => Promise<void>;

  constructor(options: InMemoryLogSourceOptions = {}) {
    this.pageSize = options.pageSize ?? 7;
    this.maxPagesPerRead = options.maxPagesPerRead ?? 10;
    this.latency = options.latency ?? noLatency;
  }

  /**
   * The next `count` calls of `operation` (default GetLogEvents), after letting `after` through, throw
   * `error`, by default a retryable `DependencyError` with code CLOUDWATCH_UNAVAILABLE.
   */
  failNext(count = 1, options: { operation?: SourceOperation; after?: number; error?: () => unknown } = {}): void {
    const operation = options.operation ?? 'GetLogEvents';
    this.failures.add(operation, {
      after: options.after ?? 0,
      count,
      error: options.error ?? (() => new DependencyError('cloudwatch', operation, new Error('injected failure'))),
      applied: false,
    });
  }

  /** Test helper: appends events (or messages stamped `timestamp`) to a stream, creating it; no call counted. */
  append(
    logGroup: string,
    logStream: string,
    events: readonly (LogEvent | string)[],
    timestamp = 1_700_000_000_000,
  ): void {
    const stream = this.stream(logGroup, logStream, true);
    for (const event of events) {
      const { timestamp: at, message } = typeof event === 'string' ? { timestamp, message: event } : event;
      stream.push({ timestamp: at, message, ingestionTime: ++this.arrivals });
    }
  }

  /** True when the stream exists. */
  hasStream(logGroup: string, logStream: string): boolean {
    return this.streams.has(streamKey(logGroup, logStream));
  }

  /** Everything a stream holds, in order (inspection only). */
  events(logGroup: string, logStream: string): LogEvent[] {
    return (this.streams.get(streamKey(logGroup, logStream)) ?? []).map((e) => ({
      timestamp: e.timestamp,
      message: e.message,
    }));
  }

  /** The GetLogEvents model (startFromHead: true): one page after `token`, of at most `limit` and the page size. */
  async getLogEvents(
    logGroup: string,
    logStream: string,
    token: string | undefined,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<GetLogEventsPage> {
    await this.enter('GetLogEvents');
    const stream = this.streams.get(streamKey(logGroup, logStream));
    if (!stream) throw new StreamNotFoundError(logGroup, logStream);
    let start = 0;
    if (token !== undefined) {
      const match = TOKEN.exec(token);
      start = Number(match?.[1] ?? Number.NaN);
      if (!match || start > stream.length) throw new TypeError(`invalid forward token ${JSON.stringify(token)}`);
    }
    const events = stream.slice(start, start + Math.min(this.pageSize, limit));
    return { events, nextForwardToken: `f/${start + events.length}` };
  }

  async readAfter(location: LogLocation, cursor: SourceCursor, maxEvents: number): Promise<SourceBatch> {
    this.readAfterCalls++;
    const reads: StreamRead[] = [];
    for (const stream of location.logStreams) {
      reads.push(await this.readStream(location.logGroup, stream, positionOf(cursor, stream), maxEvents));
    }
    const positions: Record<string, StreamPosition> = { ...cursor.streams };
    for (const read of reads) positions[read.stream] = read.position;
    const calls = reads.reduce((sum, read) => sum + read.calls, 0);
    const exhausted = reads.every((read) => read.exhausted);
    return {
      events: mergeByArrival(reads.map((read) => read.events)),
      cursor: { streams: positions },
      calls,
      exhausted,
    };
  }

  async createStream(logGroup: string, logStream: string): Promise<void> {
    await this.enter('CreateLogStream');
    this.stream(logGroup, logStream, true);
  }

  async putEvents(logGroup: string, logStream: string, events: readonly LogEvent[]): Promise<void> {
    // One modelled call per batch, as the adapter splits; a failed call stores nothing of its batch.
    for (const batch of splitForPut(events)) {
      await this.enter('PutLogEvents');
      const stream = this.streams.get(streamKey(logGroup, logStream));
      if (!stream) {
        throw new DependencyError('cloudwatch', 'PutLogEvents', new StreamNotFoundError(logGroup, logStream), false);
      }
      checkPutBatch(batch);
      this.putBatches.push(batch.map((e) => ({ timestamp: e.timestamp, message: e.message })));
      this.append(logGroup, logStream, batch);
    }
  }

  async ping(): Promise<void> {
    await this.enter('DescribeLogGroups');
  }

  private async readStream(
    logGroup: string,
    stream: string,
    start: StreamPosition,
    maxEvents: number,
  ): Promise<StreamRead> {
    const events: StreamRead['events'] = [];
    let token = start.token;
    let skip = start.skip;
    let position = start;
    let calls = 0;
    let exhausted = false;
    for (let page = 0; page < this.maxPagesPerRead && events.length < maxEvents; page++) {
      let output: GetLogEventsPage;
      calls++;
      try {
        output = await this.getLogEvents(logGroup, stream, token);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'RESOURCE_NOT_FOUND') {
          exhausted = true;
          break;
        }
        throw error;
      }
      const pageEvents = output.events;
      const next = output.nextForwardToken;
      for (let i = skip; i < pageEvents.length && events.length < maxEvents; i++) {
        const raw = pageEvents[i];
        if (!raw) continue;
        const endOfPage = i === pageEvents.length - 1;
        const after: StreamPosition = endOfPage
          ? { token: next, skip: 0 }
          : token === undefined
            ? { skip: i + 1 }
            : { token, skip: i + 1 };
        events.push({
          stream,
          timestamp: raw.timestamp,
          message: raw.message,
          ingestionTime: raw.ingestionTime,
          after,
        });
        position = after;
      }
      if (next === token) {
        exhausted = true;
        break;
      }
      if (events.length >= maxEvents) break;
      // Like the adapter: a page with events that is not full is taken as the end of what is visible.
      if (pageEvents.length > 0 && pageEvents.length < this.pageSize) {
        if (pageEvents.length <= skip) position = { token: next, skip: 0 };
        exhausted = true;
        break;
      }
      if (pageEvents.length <= skip) position = { token: next, skip: 0 };
      token = next;
      skip = 0;
    }
    return { stream, events, position, calls, exhausted };
  }

  private async enter(operation: SourceOperation): Promise<void> {
    this.calls[operation]++;
    await this.latency();
    const failure = this.failures.take(operation);
    if (failure) throw failure.error();
  }

  private stream(logGroup: string, logStream: string, create: boolean): CloudWatchEvent[] {
    const key = streamKey(logGroup, logStream);
    let stream = this.streams.get(key);
    if (!stream && create) {
      stream = [];
      this.streams.set(key, stream);
    }
    if (!stream) throw new StreamNotFoundError(logGroup, logStream);
    return stream;
  }
}

interface StreamRead {
  readonly stream: string;
  readonly events: ArrivedEvent[];
  readonly position: StreamPosition;
  readonly calls: number;
  readonly exhausted: boolean;
}

function streamKey(logGroup: string, logStream: string): string {
  return `${logGroup}\u0000${logStream}`;
}

/** Largest message PutLogEvents takes (256 KiB less the 26 bytes counted per event). */
export const MAX_PUT_MESSAGE_BYTES = 256 * 1024 - PUT_LIMITS.eventOverhead;

/** Throws (non-retryable, like CloudWatch's InvalidParameterException) when a batch breaks the API's rules. */
function checkPutBatch(batch: readonly LogEvent[]): void {
  const invalid = (reason: string): never => {
    throw new DependencyError('cloudwatch', 'PutLogEvents', new Error(`InvalidParameterException: ${reason}`), false);
  };
  if (batch.length === 0) invalid('empty batch');
  if (batch.length > PUT_LIMITS.maxEvents) invalid(`${batch.length} events in one batch`);
  let bytes = 0;
  let previous = Number.NEGATIVE_INFINITY;
  for (const event of batch) {
    const size = Buffer.byteLength(event.message, 'utf8');
    if (size > MAX_PUT_MESSAGE_BYTES) invalid(`a message of ${size} bytes`);
    if (event.timestamp < previous) invalid('events not in chronological order');
    previous = event.timestamp;
    bytes += size + PUT_LIMITS.eventOverhead;
  }
  if (bytes > PUT_LIMITS.maxBytes) invalid(`${bytes} bytes in one batch`);
  const first = batch[0]?.timestamp ?? 0;
  const last = batch[batch.length - 1]?.timestamp ?? 0;
  if (last - first > PUT_LIMITS.maxSpanMs) invalid('batch spans more than 24 hours');
}

/**
 * A stand-in for `CloudWatchLogsClient` backed by an `InMemoryLogSource`, so the real
 * `CloudWatchLogSource` adapter can run against the same model (same call counts and injected failures).
 */
export function fakeCloudWatchClient(source: InMemoryLogSource): CloudWatchLogsClient {
  const send = async (command: unknown): Promise<unknown> => {
    if (command instanceof GetLogEventsCommand) {
      const { logGroupName = '', logStreamName = '', nextToken, limit } = command.input;
      try {
        const page = await source.getLogEvents(logGroupName, logStreamName, nextToken, limit);
        return {
          events: page.events.map((e) => ({
            timestamp: e.timestamp,
            message: e.message,
            ingestionTime: e.ingestionTime,
          })),
          nextForwardToken: page.nextForwardToken,
          $metadata: {},
        };
      } catch (error) {
        if ((error as { code?: unknown }).code === 'RESOURCE_NOT_FOUND') {
          throw new ResourceNotFoundException({ message: (error as Error).message, $metadata: {} });
        }
        throw error;
      }
    }
    if (command instanceof PutLogEventsCommand) {
      const { logGroupName = '', logStreamName = '', logEvents = [] } = command.input;
      await source.putEvents(
        logGroupName,
        logStreamName,
        logEvents.map((e) => ({ timestamp: e.timestamp ?? 0, message: e.message ?? '' })),
      );
      return { $metadata: {} };
    }
    if (command instanceof CreateLogStreamCommand) {
      const { logGroupName = '', logStreamName = '' } = command.input;
      if (source.hasStream(logGroupName, logStreamName)) {
        throw new ResourceAlreadyExistsException({ message: 'The specified log stream already exists', $metadata: {} });
      }
      await source.createStream(logGroupName, logStreamName);
      return { $metadata: {} };
    }
    if (command instanceof DescribeLogGroupsCommand) {
      await source.ping();
      return { logGroups: [], $metadata: {} };
    }
    throw new TypeError(`fakeCloudWatchClient: unsupported command ${String(command)}`);
  };
  return { send } as unknown as CloudWatchLogsClient;
}
