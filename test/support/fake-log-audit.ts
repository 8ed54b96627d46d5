// An in-memory LogAudit (the push seal's CloudWatch reads): FilterLogEvents of one stream with event ids, as
// strict as AWS on what the seal relies on (timestamp order, inclusive startTime, paging that may return empty
// pages before the end, an ingestion delay, the account-wide 5 calls/s), and the subscription lookup.
import type { LogEvent } from '../../src/domain';
import {
  DependencyError,
  MAX_FILTER_STREAMS,
  type FilteredPage,
  type FilteredStreamsPage,
  type LogAudit,
} from '../../src/ports';
import { awsError } from './fake-put-rules';

/** An event as the in-memory CloudWatch keeps it for FilterLogEvents. */
interface AuditedEvent {
  readonly timestamp: number;
  readonly message: string;
  readonly eventId: string;
  readonly arrival: number;
  readonly visibleAt: number;
}

/** Options of the in-memory audit. */
export interface InMemoryLogAuditOptions {
  /** The clock (epoch ms) of the ingestion delay and the read quota. */
  readonly now?: () => number;
  /** Most events of one page whatever `limit` asks (small values exercise paging). */
  readonly pageSize?: number;
  /** Every Nth page before the end comes back empty with a token (0 = never), as FilterLogEvents may. */
  readonly emptyPageEvery?: number;
  /** FilterLogEvents calls accepted per second of the clock (AWS: 5, account-wide); over it, ThrottlingException. */
  readonly filterPerSecond?: number;
}

/** An in-memory LogAudit; `put` writes events with CloudWatch-like ids (56-digit strings). */
export class InMemoryLogAudit implements LogAudit {
  readonly calls = { hasSubscription: 0, FilterLogEvents: 0, DescribeLogStreams: 0 };
  /** FilterLogEvents calls refused for the read quota. */
  throttled = 0;
  /** How long after its put an event becomes visible to reads. */
  ingestionDelayMs = 0;
  private readonly subscribed = new Set<string>();
  private readonly streams = new Map<string, AuditedEvent[]>();
  private readonly tokens = new Map<string, { readonly key: string; readonly after: number }>();
  private readonly failures: (() => unknown)[] = [];
  private arrivals = 0;
  private serial = 0;
  private pages = 0;
  private quotaSecond = Number.NaN;
  private quotaCalls = 0;
  private readonly now: () => number;

  constructor(private readonly options: InMemoryLogAuditOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Gives `logGroup` logstream's subscription filter (or takes it away). */
  subscribe(logGroup: string, on = true): void {
    if (on) this.subscribed.add(logGroup);
    else this.subscribed.delete(logGroup);
  }

  /** Test helper: writes events to a stream, giving each an id; returns them with their ids. */
  put(logGroup: string, logStream: string, events: readonly LogEvent[]): (LogEvent & { eventId: string })[] {
    const stream = this.stream(logGroup, logStream);
    const visibleAt = this.now() + this.ingestionDelayMs;
    return events.map((event) => {
      const stored: AuditedEvent = {
        timestamp: event.timestamp,
        message: event.message,
        eventId: event.eventId ?? `3${String(++this.serial).padStart(55, '0')}`,
        arrival: ++this.arrivals,
        visibleAt,
      };
      let index = stream.length;
      while (index > 0 && (stream[index - 1]?.timestamp ?? 0) > stored.timestamp) index--;
      stream.splice(index, 0, stored);
      return { timestamp: stored.timestamp, message: stored.message, eventId: stored.eventId };
    });
  }

  /** The next calls fail with these errors, in order (e.g. a throttle, or a retryable DependencyError). */
  failNext(...errors: (() => unknown)[]): void {
    this.failures.push(...errors);
  }

  async hasSubscription(logGroup: string): Promise<boolean> {
    this.calls.hasSubscription++;
    const failure = this.failures.shift();
    if (failure) throw failure();
    return this.subscribed.has(logGroup);
  }

  async streamsWithEvents(logGroup: string, logStreams: readonly string[]): Promise<string[]> {
    this.calls.DescribeLogStreams += logStreams.length;
    const failure = this.failures.shift();
    if (failure) throw failure();
    return logStreams.filter((logStream) => (this.streams.get(`${logGroup}\u0000${logStream}`)?.length ?? 0) > 0);
  }

  async filterStream(
    logGroup: string,
    logStream: string,
    options: { readonly startTime?: number; readonly limit?: number; readonly nextToken?: string },
  ): Promise<FilteredPage> {
    this.calls.FilterLogEvents++;
    const failure = this.failures.shift();
    if (failure) throw failure();
    this.admit();
    const limit = options.limit ?? 10_000;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      throw new DependencyError('cloudwatch', 'FilterLogEvents', awsError('InvalidParameterException', 400), false);
    }
    const key = `${logGroup}\u0000${logStream}`;
    const after = this.openToken(options.nextToken, key);
    const now = this.now();
    const visible = (this.streams.get(key) ?? []).filter(
      (e) => e.visibleAt <= now && e.timestamp >= (options.startTime ?? Number.NEGATIVE_INFINITY),
    );
    const ahead = visible.slice(after);
    if (ahead.length === 0) return { events: [], nextToken: undefined };
    this.pages++;
    const every = this.options.emptyPageEvery ?? 0;
    if (every > 0 && this.pages % every === 0) return { events: [], nextToken: this.issue(key, after) };
    const page = ahead.slice(0, Math.min(limit, this.options.pageSize ?? 10_000));
    const next = after + page.length;
    return {
      events: page.map((e) => ({ timestamp: e.timestamp, message: e.message, eventId: e.eventId })),
      nextToken: next < visible.length ? this.issue(key, next) : undefined,
    };
  }

  async filterStreams(
    logGroup: string,
    logStreams: readonly string[],
    options: { readonly nextToken?: string },
  ): Promise<FilteredStreamsPage> {
    this.calls.FilterLogEvents++;
    const failure = this.failures.shift();
    if (failure) throw failure();
    if (logStreams.length < 1 || logStreams.length > MAX_FILTER_STREAMS) {
      throw new DependencyError('cloudwatch', 'FilterLogEvents', awsError('InvalidParameterException', 400), false);
    }
    this.admit();
    const key = `${logGroup}\u0000${[...logStreams].sort().join('\u0000')}`;
    const after = this.openToken(options.nextToken, key);
    const now = this.now();
    // Interleaved by timestamp, as AWS returns several streams (arrival order within a millisecond).
    const visible = [...new Set(logStreams)]
      .flatMap((logStream) =>
        (this.streams.get(`${logGroup}\u0000${logStream}`) ?? [])
          .filter((e) => e.visibleAt <= now)
          .map((e) => ({ ...e, logStream })),
      )
      .sort((a, b) => a.timestamp - b.timestamp || a.arrival - b.arrival);
    const ahead = visible.slice(after);
    if (ahead.length === 0) return { events: [], nextToken: undefined };
    this.pages++;
    const every = this.options.emptyPageEvery ?? 0;
    if (every > 0 && this.pages % every === 0) return { events: [], nextToken: this.issue(key, after) };
    const page = ahead.slice(0, this.options.pageSize ?? 10_000);
    const next = after + page.length;
    return {
      events: page.map((e) => ({
        timestamp: e.timestamp,
        message: e.message,
        eventId: e.eventId,
        logStream: e.logStream,
      })),
      nextToken: next < visible.length ? this.issue(key, next) : undefined,
    };
  }

  /** Where the page after `nextToken` starts (0 without one); a token of another read is refused, as AWS does. */
  private openToken(nextToken: string | undefined, key: string): number {
    if (nextToken === undefined) return 0;
    const token = this.tokens.get(nextToken);
    if (!token || token.key !== key) {
      throw new DependencyError(
        'cloudwatch',
        'FilterLogEvents',
        awsError('InvalidParameterException', 400, 'The specified nextToken is invalid.'),
        false,
      );
    }
    return token.after;
  }

  private admit(): void {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.quotaSecond) {
      this.quotaSecond = second;
      this.quotaCalls = 0;
    }
    if (++this.quotaCalls > (this.options.filterPerSecond ?? 5)) {
      this.throttled++;
      throw new DependencyError('cloudwatch', 'FilterLogEvents', awsError('ThrottlingException', 400), true, {
        throttled: true,
        awsCode: 'ThrottlingException',
      });
    }
  }

  private issue(key: string, after: number): string {
    const token = `t/${++this.serial}`;
    this.tokens.set(token, { key, after });
    return token;
  }

  private stream(logGroup: string, logStream: string): AuditedEvent[] {
    const key = `${logGroup}\u0000${logStream}`;
    let stream = this.streams.get(key);
    if (!stream) {
      stream = [];
      this.streams.set(key, stream);
    }
    return stream;
  }
}
