import {
  advanceCursor,
  backoffDelay,
  initialCursor,
  streamName,
  type IndexedEvent,
  type LogLocation,
  type SourceCursor,
  type StreamPosition,
} from '../domain';
import { DependencyError, type LogSource, type SourceBatch } from '../ports';

/** A page of a direct CloudWatch read, with display indexes 1..N in arrival order. */
export interface CloudWatchPage {
  readonly events: IndexedEvent[];
  readonly lastIndex: number;
  /** Null only when the read reached the end of what CloudWatch shows now. */
  readonly nextIndex: number | null;
}

/** Dependencies of the direct reader. */
export interface CloudWatchPagerDeps {
  readonly source: LogSource;
  /** Waits between throttled reads (tests pass a virtual clock). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). */
  readonly random?: () => number;
}

// CloudWatch cursors by `${executionId}:${index}`: the next page of a direct read resumes from its
// token instead of re-reading the stream from its head.
const CURSOR_CACHE_SIZE = 2000;
// Reads one direct page may take (each up to 10,000 events): a bound against a source that never ends.
const MAX_DIRECT_READS = 1000;
// Reads in a row that show only empty pages (each up to 10 pages a stream): AWS returns a few before the end of
// a stream, never this many; past it the request answers 503 rather than spend the account's read quota.
const MAX_EMPTY_READS_IN_A_ROW = 20;
// A request waits this little for the account-wide read quota before answering 429 with Retry-After: the
// quota is shared with the ingesters, which must keep the larger share.
const THROTTLE_RETRIES = 3;
const THROTTLE_BACKOFF_MS = 100;

/** True when `error` is a read refused for rate (a throttled `DependencyError`). */
function isThrottled(error: unknown): boolean {
  return (error as { throttled?: unknown } | undefined)?.throttled === true;
}

/**
 * Reads a log directly from CloudWatch for `/logs`, storing nothing. Empty pages before the end are
 * read through (only the source's `exhausted` ends a log). Throttled reads back off briefly with
 * jitter (unless the client's own retries did already); a page that has events when the quota runs
 * out is answered short with a `nextIndex` (never as the end); one that has none fails with the
 * throttled `DependencyError` (a 429 with Retry-After).
 */
export class CloudWatchPager {
  private readonly cursors = new Map<string, SourceCursor>();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly deps: CloudWatchPagerDeps) {
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = deps.random ?? Math.random;
  }

  /** Up to `limit` events with index > `sinceIndex`. */
  async page(executionId: string, location: LogLocation, sinceIndex: number, limit: number): Promise<CloudWatchPage> {
    const resumed = this.nearest(executionId, sinceIndex);
    let cursor = resumed?.cursor ?? initialCursor(location.logStreams);
    let index = resumed?.index ?? 0;
    const events: IndexedEvent[] = [];
    let more = false;
    let ended = false;
    let throttled = 0;
    let emptyInARow = 0;
    // A read may stop on its page budget with nothing to show: keep going until the source is exhausted.
    for (let reads = 0; reads < MAX_DIRECT_READS; reads++) {
      let batch: SourceBatch;
      try {
        batch = await this.deps.source.readAfter(location, cursor, Math.min(10_000, limit + 1));
      } catch (error) {
        if (!isThrottled(error)) throw error;
        // What was read stands: the client pages on from its last event.
        if (events.length > 0) {
          more = true;
          break;
        }
        if (throttled === THROTTLE_RETRIES || retriedByClient(error)) {
          // Events skipped on the way to `sinceIndex` need not be read again by the retry.
          if (index > 0) this.remember(`${executionId}:${index}`, cursor);
          throw error;
        }
        await this.sleep(
          backoffDelay(++throttled, {
            baseMs: THROTTLE_BACKOFF_MS,
            maxMs: Number.POSITIVE_INFINITY,
            random: this.random,
          }),
        );
        continue;
      }
      if (batch.events.length === 0) {
        if (batch.exhausted) {
          ended = true;
          break;
        }
        cursor = batch.cursor;
        if (++emptyInARow < MAX_EMPTY_READS_IN_A_ROW) continue;
        if (events.length > 0) {
          more = true;
          break;
        }
        if (index > 0) this.remember(`${executionId}:${index}`, cursor);
        throw new DependencyError(
          'cloudwatch',
          'GetLogEvents',
          new Error(`only empty pages in ${MAX_EMPTY_READS_IN_A_ROW} reads in a row`),
        );
      }
      emptyInARow = 0;
      const moves = new Map<string, StreamPosition>();
      for (const event of batch.events) {
        if (events.length === limit) {
          more = true;
          break;
        }
        index++;
        moves.set(event.stream, event.after);
        if (index > sinceIndex) {
          const stream = streamName(executionId, event.stream, event.stderr === true);
          events.push({ index, timestamp: event.timestamp, stream, message: event.message });
        }
      }
      cursor = advanceCursor(cursor, moves);
      if (more) break;
    }
    if (!more && !ended) {
      // Never answer a truncated page as if it were the end of the log.
      throw new DependencyError(
        'cloudwatch',
        'GetLogEvents',
        new Error(`no end of log after ${MAX_DIRECT_READS} reads`),
      );
    }
    const last = events[events.length - 1]?.index ?? sinceIndex;
    if (more) this.remember(`${executionId}:${last}`, cursor);
    return { events, lastIndex: more ? last : Math.max(last, sinceIndex), nextIndex: more ? last : null };
  }

  /** The remembered cursor of `executionId` closest before `sinceIndex` (at most `sinceIndex`), if any. */
  private nearest(executionId: string, sinceIndex: number): { index: number; cursor: SourceCursor } | undefined {
    const exact = this.cursors.get(`${executionId}:${sinceIndex}`);
    if (exact) return { index: sinceIndex, cursor: exact };
    let best: { index: number; cursor: SourceCursor } | undefined;
    const prefix = `${executionId}:`;
    for (const [key, cursor] of this.cursors) {
      if (!key.startsWith(prefix)) continue;
      const index = Number(key.slice(prefix.length));
      if (index <= sinceIndex && index > (best?.index ?? 0)) best = { index, cursor };
    }
    return best;
  }

  private remember(key: string, cursor: SourceCursor): void {
    this.cursors.delete(key);
    this.cursors.set(key, cursor);
    if (this.cursors.size > CURSOR_CACHE_SIZE) {
      const oldest = this.cursors.keys().next().value;
      if (oldest !== undefined) this.cursors.delete(oldest);
    }
  }
}

/** True when the client retried the call itself (the AWS SDK does, with back-off): the request waited enough. */
function retriedByClient(error: unknown): boolean {
  const attempts = (error as { attempts?: unknown } | undefined)?.attempts;
  return typeof attempts === 'number' && attempts > 1;
}
