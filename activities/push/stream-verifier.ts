import { failureKind, isRetryableFailure, type LogEvent } from '../../src/domain';
import { MAX_FILTER_STREAMS, UNLIMITED_READ_BUDGET, type LogAudit, type ReadBudget } from '../../src/ports';
import { nonRetryableFailure, ReadPacer, type ReadPacerOptions } from '../shared/read-pacing';

/** An event of a stream as the verification reads it from CloudWatch. */
export type VerifiedEvent = LogEvent & { readonly eventId: string };

/** Options of a stream verifier. */
export interface StreamVerifierOptions {
  readonly audit: Pick<LogAudit, 'filterStreams'>;
  /** The account-wide budget every FilterLogEvents call takes a unit of. */
  readonly budget?: ReadBudget;
  /** How long a read waits for others to share its calls (ms). */
  readonly batchWindowMs?: number;
  /** Back-off of throttled and failed calls. */
  readonly pacing?: ReadPacerOptions;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log?: { warn(message: string, meta?: Record<string, unknown>): void };
}

/** Back-off of a verifier's failed calls (the budget paces the successful ones). */
const VERIFY_PACING: ReadPacerOptions = {
  maxCallsPerSecond: 5,
  minCallsPerSecond: 0.2,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
};

interface Reader {
  readonly streams: readonly string[];
  readonly onEvents: (logStream: string, events: readonly VerifiedEvent[]) => void;
  readonly done: (calls: number) => void;
  readonly failed: (error: unknown) => void;
}

/**
 * Reads whole log streams from CloudWatch for the seal's proof at a cost per line, not per execution: the reads of
 * one log group that arrive within `batchWindowMs` share FilterLogEvents calls (up to 100 stream names a call, pages
 * of up to 10,000 events), so a hundred small logs take one call. Each call first takes a unit of the account-wide
 * `budget`. A throttled or failed page is read again after a jittered back-off; what retrying cannot fix fails every
 * read of the batch, as a non-retryable failure. One verifier serves every drain of a worker.
 */
export class StreamVerifier {
  private readonly waiting = new Map<string, Reader[]>();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: StreamVerifierOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Reads every event of `streams` (in CloudWatch's order, per stream), handing them to `onEvents` page by page;
   * resolves with this read's share of the calls made. `alone` reads at once without waiting for company (a big log
   * fills its own pages).
   */
  read(
    logGroup: string,
    streams: readonly string[],
    onEvents: Reader['onEvents'],
    options: { readonly alone?: boolean } = {},
  ): Promise<number> {
    if (streams.length === 0) return Promise.resolve(0);
    if (streams.length > MAX_FILTER_STREAMS) {
      throw new RangeError(`a read takes at most ${MAX_FILTER_STREAMS} streams, got ${streams.length}`);
    }
    return new Promise<number>((resolve, reject) => {
      const reader: Reader = { streams, onEvents, done: resolve, failed: reject };
      if (options.alone === true) {
        void this.readBatch(logGroup, [reader]);
        return;
      }
      const queue = this.waiting.get(logGroup);
      if (queue === undefined) {
        this.waiting.set(logGroup, [reader]);
        void this.sleep(this.options.batchWindowMs ?? 250).then(() => this.flush(logGroup));
      } else {
        queue.push(reader);
        if (queue.reduce((sum, r) => sum + r.streams.length, 0) >= MAX_FILTER_STREAMS) this.flush(logGroup);
      }
    });
  }

  /** Starts reading what waits for `logGroup`, in batches of up to 100 streams. */
  private flush(logGroup: string): void {
    const queue = this.waiting.get(logGroup);
    this.waiting.delete(logGroup);
    let batch: Reader[] = [];
    let streams = 0;
    for (const reader of queue ?? []) {
      if (streams + reader.streams.length > MAX_FILTER_STREAMS) {
        void this.readBatch(logGroup, batch);
        batch = [];
        streams = 0;
      }
      batch.push(reader);
      streams += reader.streams.length;
    }
    if (batch.length > 0) void this.readBatch(logGroup, batch);
  }

  private async readBatch(logGroup: string, readers: readonly Reader[]): Promise<void> {
    const owners = new Map<string, Reader>();
    for (const reader of readers) for (const stream of reader.streams) owners.set(stream, reader);
    const streams = [...owners.keys()];
    const pacer = new ReadPacer(this.options.pacing ?? VERIFY_PACING);
    const budget = this.options.budget ?? UNLIMITED_READ_BUDGET;
    let calls = 0;
    let nextToken: string | undefined;
    try {
      for (;;) {
        await budget.take('FilterLogEvents');
        let page;
        try {
          page = await this.options.audit.filterStreams(logGroup, streams, { nextToken });
        } catch (error) {
          const kind = failureKind(error);
          if (!isRetryableFailure(kind)) throw nonRetryableFailure(error);
          const waitMs = pacer.failed(kind, 1, 0);
          this.options.log?.warn('seal proof: a CloudWatch read failed; backing off', {
            logGroup,
            delayMs: waitMs,
            error: String(error),
          });
          // The same page again (its token stays valid) after the wait.
          await this.sleep(waitMs);
          continue;
        }
        calls++;
        const byStream = new Map<string, VerifiedEvent[]>();
        for (const { logStream, ...event } of page.events) {
          const list = byStream.get(logStream) ?? [];
          list.push(event);
          byStream.set(logStream, list);
        }
        for (const [logStream, events] of byStream) owners.get(logStream)?.onEvents(logStream, events);
        nextToken = page.nextToken;
        if (nextToken === undefined) break;
      }
    } catch (error) {
      for (const reader of readers) reader.failed(error);
      return;
    }
    for (const reader of readers) reader.done(calls / readers.length);
  }
}
