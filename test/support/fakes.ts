// In-memory LogStore and LogSource for unit tests: the contracts of src/ports, with the semantics of the
// DynamoDB and CloudWatch adapters, plus failure injection and call counting. No network, no SDK calls.
import {
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
  type CloudWatchLogsClient,
  type RejectedLogEventsInfo,
} from '@aws-sdk/client-cloudwatch-logs';
import { CloudWatchLogSource } from '../../src/adapters/cloudwatch/cloudwatch-log-source';
import {
  parseCursor,
  PUT_LIMITS,
  type PutOutcome,
  type ExecutionRecord,
  type IndexedEvent,
  type LogChunk,
  type LogEvent,
  type LogLocation,
  type LogSeal,
  type SourceCursor,
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
  /** When reads start to show it (epoch ms on the source's clock): its put plus the ingestion delay. */
  readonly visibleAt: number;
}

/** A GetLogEvents request (startFromHead: true). */
export interface GetLogEventsRequest {
  readonly nextToken?: string;
  readonly startTime?: number;
  readonly limit?: number;
}

/** A GetLogEvents response. */
export interface GetLogEventsPage {
  readonly events: readonly CloudWatchEvent[];
  readonly nextForwardToken: string;
}

/** An error shaped like the AWS SDK's service exceptions (`name` is the AWS error code), for injection. */
export function awsError(code: string, httpStatusCode = 400, message = code): Error {
  return Object.assign(new Error(message), {
    name: code,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
  });
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
  /** Most events of one GetLogEvents page (CloudWatch: 10,000 and 1 MB); small values exercise paging. */
  readonly pageSize?: number;
  /** Awaited at the start of every API call, e.g. `jitter(seed)`. */
  readonly latency?: () => Promise<void>;
  /** The source's clock (epoch ms), for ingestion delay and token expiry. */
  readonly now?: () => number;
  /** How long after its put an event becomes visible to reads (CloudWatch: seconds, unbounded). */
  readonly ingestionDelayMs?: number;
  /** How long a forward token is accepted (CloudWatch: 24 h). */
  readonly tokenTtlMs?: number;
  /** Every Nth GetLogEvents page that is not the end of the stream comes back empty, with a new token (0 = never). */
  readonly emptyPageEvery?: number;
  /** GetLogEvents calls accepted per second of the source's clock, account-wide (CloudWatch: 25); over it, ThrottlingException. */
  readonly getLogEventsPerSecond?: number;
  /**
   * PutLogEvents does not store events older than 14 days or more than 2 hours ahead of `now` (as
   * CloudWatch), naming them in `rejectedLogEventsInfo`. Off by default: tests write fixed old timestamps.
   */
  readonly rejectOutOfRangeTimestamps?: boolean;
}

/** Bytes of events one GetLogEvents response holds at most (each event counts its UTF-8 message plus 26). */
export const GET_RESPONSE_BYTES = 1_048_576;
const GET_PAGE_EVENTS = 10_000;

/** A place in a stream's read order: after the events before (timestamp, arrival). */
interface ReadKey {
  readonly timestamp: number;
  readonly arrival: number;
}

interface IssuedToken {
  readonly key: ReadKey;
  readonly issuedAt: number;
}

/**
 * An in-memory CloudWatch Logs, as strict as AWS on the read side. GetLogEvents shows a stream's
 * visible events in timestamp order (one millisecond's events in arrival order); a forward token
 * names a place in that order, so an event that arrives later with an older timestamp lands behind
 * every token already issued and is never shown after them. Pages hold at most `pageSize`, 10,000
 * events and 1 MB; pages before the end may come back empty with a new token (`emptyPageEvery`);
 * only the end gives the token it was given back. Tokens expire (`tokenTtlMs`, `expireTokens()`):
 * an expired or unknown one gets InvalidParameterException. Events become visible an ingestion
 * delay after their put. `readAfter` is the real CloudWatch adapter reading through
 * `fakeCloudWatchClient(this)`. `PutLogEvents` enforces the API's batch limits.
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
  /** Every PutLogEvents call accepted, in order, as sent (messages encoded). */
  readonly putBatches: LogEvent[][] = [];
  private readonly streams = new Map<string, CloudWatchEvent[]>();
  private readonly failures = new FailureSchedule<SourceOperation>();
  private arrivals = 0;
  private readonly pageSize: number;
  private readonly latency: () => Promise<void>;
  private readonly now: () => number;
  /** Options that tests may change while a source is in use. */
  ingestionDelayMs: number;
  emptyPageEvery: number;
  getLogEventsPerSecond: number;
  /** GetLogEvents calls refused for the read quota. */
  throttledReads = 0;
  private quotaSecond = Number.NaN;
  private quotaCalls = 0;
  private readonly rejectOutOfRangeTimestamps: boolean;
  private readonly tokenTtlMs: number;
  private readonly tokens = new Map<string, IssuedToken>();
  private tokenSerial = 0;
  private pagesBeforeEnd = 0;
  private readonly reader: CloudWatchLogSource;

  constructor(options: InMemoryLogSourceOptions = {}) {
    this.pageSize = options.pageSize ?? 7;
    this.latency = options.latency ?? noLatency;
    this.now = options.now ?? Date.now;
    this.ingestionDelayMs = options.ingestionDelayMs ?? 0;
    this.emptyPageEvery = options.emptyPageEvery ?? 0;
    this.getLogEventsPerSecond = options.getLogEventsPerSecond ?? Number.POSITIVE_INFINITY;
    this.rejectOutOfRangeTimestamps = options.rejectOutOfRangeTimestamps ?? false;
    this.tokenTtlMs = options.tokenTtlMs ?? 24 * 3600_000;
    this.reader = new CloudWatchLogSource({ client: fakeCloudWatchClient(this) });
  }

  /** Makes every forward token issued so far invalid, as 24 hours would. */
  expireTokens(): void {
    this.tokens.clear();
  }

  /**
   * The next `count` calls of `operation` (default GetLogEvents), after letting `after` through, throw
   * `error`, by default a retryable `DependencyError` with code CLOUDWATCH_UNAVAILABLE (for GetLogEvents,
   * which the adapter reads through the fake client, the SDK's ServiceUnavailableException it maps to that).
   */
  failNext(count = 1, options: { operation?: SourceOperation; after?: number; error?: () => unknown } = {}): void {
    const operation = options.operation ?? 'GetLogEvents';
    this.failures.add(operation, {
      after: options.after ?? 0,
      count,
      error:
        options.error ??
        (operation === 'GetLogEvents'
          ? () => awsError('ServiceUnavailableException', 503, 'injected failure')
          : () => new DependencyError('cloudwatch', operation, new Error('injected failure'))),
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
    const visibleAt = this.now() + this.ingestionDelayMs;
    for (const event of events) {
      const { timestamp: at, message } = typeof event === 'string' ? { timestamp, message: event } : event;
      // Kept in read order: by timestamp, one millisecond's events in arrival order.
      let index = stream.length;
      while (index > 0 && (stream[index - 1]?.timestamp ?? 0) > at) index--;
      stream.splice(index, 0, { timestamp: at, message, ingestionTime: ++this.arrivals, visibleAt });
    }
  }

  /** True when the stream exists. */
  hasStream(logGroup: string, logStream: string): boolean {
    return this.streams.has(streamKey(logGroup, logStream));
  }

  /** Everything a stream holds, in read order (timestamp, then arrival), visible or not (inspection only). */
  events(logGroup: string, logStream: string): LogEvent[] {
    return (this.streams.get(streamKey(logGroup, logStream)) ?? []).map((e) => ({
      timestamp: e.timestamp,
      message: e.message,
    }));
  }

  /** The GetLogEvents model (startFromHead: true): one page after `nextToken` (or from `startTime`). */
  async getLogEvents(
    logGroup: string,
    logStream: string,
    request: GetLogEventsRequest = {},
  ): Promise<GetLogEventsPage> {
    await this.enter('GetLogEvents');
    this.admitRead();
    const stream = this.streams.get(streamKey(logGroup, logStream));
    if (!stream) throw awsError('ResourceNotFoundException', 400, 'The specified log stream does not exist.');
    const now = this.now();
    let after: ReadKey = { timestamp: request.startTime ?? Number.NEGATIVE_INFINITY, arrival: 0 };
    if (request.nextToken !== undefined) {
      const issued = this.tokens.get(request.nextToken);
      if (!issued || now - issued.issuedAt > this.tokenTtlMs) {
        throw awsError('InvalidParameterException', 400, 'The specified nextToken is invalid.');
      }
      if (isAfter(issued.key, after)) after = issued.key;
    }
    const ahead = stream.filter((e) => e.visibleAt <= now && isAfter(keyOf(e), after));
    // The end of what is visible: the token given comes back (a first read gets one to continue from).
    if (ahead.length === 0) return { events: [], nextForwardToken: request.nextToken ?? this.issue(after, now) };
    this.pagesBeforeEnd++;
    if (this.emptyPageEvery > 0 && this.pagesBeforeEnd % this.emptyPageEvery === 0) {
      return { events: [], nextForwardToken: this.issue(after, now) };
    }
    const most = Math.min(this.pageSize, request.limit ?? GET_PAGE_EVENTS, GET_PAGE_EVENTS);
    const events: CloudWatchEvent[] = [];
    let bytes = 0;
    for (const event of ahead) {
      const size = Buffer.byteLength(event.message, 'utf8') + PUT_LIMITS.eventOverhead;
      if (events.length >= most || (events.length > 0 && bytes + size > GET_RESPONSE_BYTES)) break;
      events.push(event);
      bytes += size;
    }
    const last = events[events.length - 1];
    return { events, nextForwardToken: this.issue(last ? keyOf(last) : after, now) };
  }

  async readAfter(location: LogLocation, cursor: SourceCursor, maxEvents: number): Promise<SourceBatch> {
    this.readAfterCalls++;
    return this.reader.readAfter(location, cursor, maxEvents);
  }

  async createStream(logGroup: string, logStream: string): Promise<void> {
    await this.enter('CreateLogStream');
    this.stream(logGroup, logStream, true);
  }

  /**
   * The port's write is the real CloudWatch adapter's (lines encoded, split into calls), writing
   * through `fakeCloudWatchClient(this)` to the strict `putLogEvents` model below.
   */
  async putEvents(logGroup: string, logStream: string, events: readonly LogEvent[]): Promise<PutOutcome> {
    return this.reader.putEvents(logGroup, logStream, events);
  }

  /**
   * The PutLogEvents model: one call, checked against the API's rules (recomputed here, not taken
   * from the production splitter). A refused call stores nothing and throws the SDK's error (an
   * empty message refuses the whole call, as CloudWatch does). With `rejectOutOfRangeTimestamps`,
   * events older than 14 days or more than 2 hours ahead of `now` are not stored and are named in
   * `rejectedLogEventsInfo`. Messages are stored as sent (encoded).
   */
  async putLogEvents(
    logGroup: string,
    logStream: string,
    events: readonly LogEvent[],
  ): Promise<{ rejectedLogEventsInfo?: RejectedLogEventsInfo }> {
    await this.enter('PutLogEvents');
    if (!this.streams.has(streamKey(logGroup, logStream))) {
      throw awsError('ResourceNotFoundException', 400, 'The specified log stream does not exist.');
    }
    checkPutBatch(events);
    const info = this.rejectOutOfRangeTimestamps ? outOfRange(events, this.now()) : {};
    const stored = events.filter(
      (_, i) =>
        i >= (info.tooOldLogEventEndIndex ?? 0) &&
        (info.tooNewLogEventStartIndex === undefined || i < info.tooNewLogEventStartIndex),
    );
    this.putBatches.push(events.map((e) => ({ timestamp: e.timestamp, message: e.message })));
    this.append(logGroup, logStream, stored);
    return Object.keys(info).length > 0 ? { rejectedLogEventsInfo: info } : {};
  }

  async ping(): Promise<void> {
    await this.enter('DescribeLogGroups');
  }

  /** The account-wide read quota, counted per second of the source's clock. */
  private admitRead(): void {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.quotaSecond) {
      this.quotaSecond = second;
      this.quotaCalls = 0;
    }
    if (++this.quotaCalls > this.getLogEventsPerSecond) {
      this.throttledReads++;
      throw awsError('ThrottlingException', 400, 'Rate exceeded');
    }
  }

  private issue(key: ReadKey, now: number): string {
    const token = `f/${++this.tokenSerial}`;
    this.tokens.set(token, { key, issuedAt: now });
    return token;
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

function keyOf(event: CloudWatchEvent): ReadKey {
  return { timestamp: event.timestamp, arrival: event.ingestionTime };
}

/** True when `a` comes after `b` in read order. */
function isAfter(a: ReadKey, b: ReadKey): boolean {
  return a.timestamp > b.timestamp || (a.timestamp === b.timestamp && a.arrival > b.arrival);
}

function streamKey(logGroup: string, logStream: string): string {
  return `${logGroup}\u0000${logStream}`;
}

// PutLogEvents limits, restated from the AWS documentation (not imported from production code).
const PUT_EVENT_OVERHEAD = 26;
const PUT_MAX_EVENTS = 10_000;
const PUT_MAX_BATCH_BYTES = 1_048_576;
const PUT_MAX_SPAN_MS = 24 * 3600_000;
const PUT_MAX_PAST_MS = 14 * 24 * 3600_000;
const PUT_MAX_FUTURE_MS = 2 * 3600_000;

/** Largest message PutLogEvents takes (256 KiB less the 26 bytes counted per event). */
export const MAX_PUT_MESSAGE_BYTES = 262_144 - PUT_EVENT_OVERHEAD;

/** Throws CloudWatch's InvalidParameterException when a call breaks the API's rules: all or nothing. */
function checkPutBatch(batch: readonly LogEvent[]): void {
  const invalid = (reason: string): never => {
    throw awsError('InvalidParameterException', 400, reason);
  };
  if (batch.length === 0) invalid('1 validation error detected: logEvents must have length greater than or equal to 1');
  if (batch.length > PUT_MAX_EVENTS) {
    invalid(`1 validation error detected: logEvents must have length less than or equal to ${PUT_MAX_EVENTS}`);
  }
  let bytes = 0;
  let previous = Number.NEGATIVE_INFINITY;
  for (const [i, event] of batch.entries()) {
    if (typeof event.message !== 'string' || event.message.length === 0) {
      invalid(
        `1 validation error detected: Value '' at 'logEvents.${i + 1}.member.message' failed to satisfy constraint: ` +
          'Member must have length greater than or equal to 1',
      );
    }
    const size = Buffer.byteLength(event.message, 'utf8');
    if (size > MAX_PUT_MESSAGE_BYTES)
      invalid(`Log event too large: ${size + PUT_EVENT_OVERHEAD} bytes exceeds limit of 262144`);
    if (event.timestamp < previous)
      invalid('Log events in a single PutLogEvents request must be in chronological order.');
    previous = event.timestamp;
    bytes += size + PUT_EVENT_OVERHEAD;
  }
  if (bytes > PUT_MAX_BATCH_BYTES) invalid(`Upload too large: ${bytes} bytes exceeds limit of ${PUT_MAX_BATCH_BYTES}`);
  const first = batch[0]?.timestamp ?? 0;
  const last = batch[batch.length - 1]?.timestamp ?? 0;
  if (last - first > PUT_MAX_SPAN_MS)
    invalid('A batch of log events in a single request cannot span more than 24 hours.');
}

/** `rejectedLogEventsInfo` of a chronological call at `now`: a too-old prefix, a too-new suffix. */
function outOfRange(batch: readonly LogEvent[], now: number): RejectedLogEventsInfo {
  const tooOld = batch.filter((e) => e.timestamp < now - PUT_MAX_PAST_MS).length;
  const tooNew = batch.findIndex((e) => e.timestamp > now + PUT_MAX_FUTURE_MS);
  return {
    ...(tooOld > 0 ? { tooOldLogEventEndIndex: tooOld } : {}),
    ...(tooNew >= 0 ? { tooNewLogEventStartIndex: tooNew } : {}),
  };
}

/** An injected `DependencyError` as the SDK error CloudWatch would answer (the adapter classifies it again). */
function asSdkError(error: unknown): unknown {
  if (!(error instanceof DependencyError)) return error;
  if (error.throttled) return awsError('ThrottlingException', 400, error.message);
  if (error.retryable) return awsError('ServiceUnavailableException', 503, error.message);
  return awsError(error.awsCode ?? 'InvalidParameterException', 400, error.message);
}

/**
 * A stand-in for `CloudWatchLogsClient` backed by an `InMemoryLogSource`, so the real
 * `CloudWatchLogSource` adapter can run against the same model (same call counts and injected failures).
 */
export function fakeCloudWatchClient(source: InMemoryLogSource): CloudWatchLogsClient {
  const send = async (command: unknown): Promise<unknown> => {
    if (command instanceof GetLogEventsCommand) {
      const { logGroupName = '', logStreamName = '', nextToken, startTime, limit, startFromHead } = command.input;
      // Forward tokens are only valid with startFromHead: true; the model knows no other reading.
      if (startFromHead !== true) throw awsError('InvalidParameterException', 400, 'startFromHead must be true');
      const page = await source.getLogEvents(logGroupName, logStreamName, { nextToken, startTime, limit });
      return {
        events: page.events.map((e) => ({
          timestamp: e.timestamp,
          message: e.message,
          ingestionTime: e.ingestionTime,
        })),
        nextForwardToken: page.nextForwardToken,
        $metadata: {},
      };
    }
    if (command instanceof PutLogEventsCommand) {
      const { logGroupName = '', logStreamName = '', logEvents = [] } = command.input;
      try {
        const output = await source.putLogEvents(
          logGroupName,
          logStreamName,
          logEvents.map((e) => ({ timestamp: e.timestamp ?? 0, message: e.message ?? '' })),
        );
        return { ...output, $metadata: {} };
      } catch (error) {
        throw asSdkError(error);
      }
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
