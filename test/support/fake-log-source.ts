// An in-memory CloudWatch Logs, as strict as AWS on reads and writes, read and written through the real adapter.
import { CloudWatchLogSource } from '../../src/adapters/cloudwatch/cloudwatch-log-source';
import type { RejectedLogEventsInfo } from '@aws-sdk/client-cloudwatch-logs';
import { type PutOutcome, type LogEvent, type LogLocation, type SourceCursor } from '../../src/domain';
import { DependencyError, type LogSource, type SourceBatch } from '../../src/ports';
import { fakeCloudWatchClient } from './fake-cloudwatch-client';
import { FailureSchedule, noLatency } from './fake-failures';
import { awsError, checkPutBatch, outOfRange, PUT_EVENT_OVERHEAD, StreamNotFoundError } from './fake-put-rules';

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
      const size = Buffer.byteLength(event.message, 'utf8') + PUT_EVENT_OVERHEAD;
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
