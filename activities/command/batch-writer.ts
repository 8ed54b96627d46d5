import {
  backoffDelay,
  failureKind,
  isRetryableFailure,
  type BackoffOptions,
  type FailureKind,
  type LogEvent,
  type PutOutcome,
  type RejectedEvent,
} from '../../src/domain';
import type { LogSource } from '../../src/ports';

/** A line waiting to be written, numbered in the order the job printed it (1-based). */
export interface NumberedLine extends LogEvent {
  readonly line: number;
}

/** Lines CloudWatch will never hold: refused, not stored, or undeliverable past the deadline. */
export interface LinesRejected {
  /** Number of the first rejected line; the `count` lines from there (in the order written) were lost. */
  readonly firstLine: number;
  readonly count: number;
  /** The error code behind it (`InvalidParameterException`, `tooOld`, `ServiceUnavailableException`...). */
  readonly code: string;
  readonly reason: string;
}

/** Options of a batch writer. */
export interface BatchWriterOptions {
  readonly source: LogSource;
  readonly logGroup: string;
  readonly logStream: string;
  /** Epoch ms after which a retryable failure is no longer retried (undefined: retry for ever). */
  readonly giveUpAt: () => number | undefined;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  readonly onRejected?: (rejection: LinesRejected) => void;
}

// Error codes CloudWatch gives when something in the events themselves is wrong (empty or oversized
// message, order, span): bisecting the batch isolates the offending event.
const EVENT_ERROR_CODES = new Set(['InvalidParameterException', 'ValidationException', 'SerializationException']);
const BACKOFF_BASE_MS = 100;
const THROTTLED_BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 10_000;
// A rejection reason quoted in a notice line is cut to this many characters.
const MAX_REASON_LENGTH = 500;

type Attempt =
  | { readonly ok: true; readonly outcome: PutOutcome | void }
  | { readonly ok: false; readonly error: unknown; readonly gaveUp: boolean };

/**
 * Writes one batch of lines to CloudWatch so that no line can hold back the others: retryable
 * failures (throttling, 5xx, network) are retried with jittered exponential backoff and no attempt
 * cap (until `giveUpAt`); a batch CloudWatch refuses is bisected down to the refused event, which is
 * replaced by a notice line `logstream: line N rejected by CloudWatch: <reason>`; a deleted stream
 * is created again once; anything else refused is reported and the next batch goes on.
 */
export class BatchWriter {
  private stored = 0;
  private accepted = 0;
  private uncertain = 0;
  private rejected = 0;
  private lastWrite: number | undefined;
  private streamRecreated = false;

  constructor(private readonly options: BatchWriterOptions) {}

  /** Lines stored so far. */
  get storedCount(): number {
    return this.stored;
  }

  /** Events CloudWatch accepted so far (lines and notices), as far as every call's outcome is known. */
  get acceptedCount(): number {
    return this.accepted;
  }

  /**
   * Calls whose outcome is unknown: one failed after it may have taken effect (a 5xx, a timeout, a reset), so
   * CloudWatch may hold its events once more than `acceptedCount` says (its retry succeeded), or hold them though
   * they were reported lost (it gave up).
   */
  get uncertainCount(): number {
    return this.uncertain;
  }

  /** Lines reported lost so far. */
  get rejectedCount(): number {
    return this.rejected;
  }

  /** Epoch ms of the last successful PutLogEvents. */
  get lastWriteAt(): number | undefined {
    return this.lastWrite;
  }

  /** Writes `batch` (one PutLogEvents call's worth, see `splitForPut`); never throws. */
  async write(batch: readonly NumberedLine[]): Promise<void> {
    if (batch.length === 0) return;
    const attempt = await this.putWithRetry(batch);
    if (attempt.ok) {
      this.accept(batch, attempt.outcome?.rejected ?? []);
      return;
    }
    const { code, reason } = describe(attempt.error);
    if (attempt.gaveUp) {
      this.reject(batch, code, `CloudWatch unavailable: ${reason}`);
    } else if (code === 'ResourceNotFoundException' && !this.streamRecreated) {
      // The stream was deleted under a running job: create it again, once.
      this.streamRecreated = true;
      await this.options.source.createStream(this.options.logGroup, this.options.logStream).catch(() => undefined);
      await this.write(batch);
    } else if (EVENT_ERROR_CODES.has(code) && batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      await this.write(batch.slice(0, half));
      await this.write(batch.slice(half));
    } else if (EVENT_ERROR_CODES.has(code)) {
      const [line] = batch as [NumberedLine];
      this.reject(batch, code, reason);
      const notice = `logstream: line ${line.line} rejected by CloudWatch: ${reason.slice(0, MAX_REASON_LENGTH)}`;
      // The notice takes the line's place; if even that is refused, the report above is all there is.
      const written = await this.putWithRetry([{ timestamp: line.timestamp, message: notice, line: line.line }]);
      if (written.ok) {
        this.lastWrite = this.options.now();
        this.accepted++;
      }
    } else {
      this.reject(batch, code, reason);
    }
  }

  private async putWithRetry(batch: readonly NumberedLine[]): Promise<Attempt> {
    const events = batch.map((e) => ({
      timestamp: e.timestamp,
      message: e.message,
      ...(e.stderr === true ? { stderr: true } : {}),
    }));
    // PutLogEvents has no idempotency token: after a failure that may have taken effect, CloudWatch's count is unsure.
    let mayHaveTakenEffect = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.options.source.putEvents(this.options.logGroup, this.options.logStream, events);
        this.lastWrite = this.options.now();
        if (mayHaveTakenEffect) this.uncertain++;
        return { ok: true, outcome };
      } catch (error) {
        const kind = failureKind(error);
        if (!isRetryableFailure(kind)) {
          if (mayHaveTakenEffect) this.uncertain++;
          return { ok: false, error, gaveUp: false };
        }
        if (kind !== 'throttled') mayHaveTakenEffect = true;
        const giveUpAt = this.options.giveUpAt();
        if (giveUpAt !== undefined && this.options.now() >= giveUpAt) {
          if (mayHaveTakenEffect) this.uncertain++;
          return { ok: false, error, gaveUp: true };
        }
        const delay = backoffDelay(attempt, putBackoff(kind, this.options.random));
        this.options.onRetry?.(error, attempt, delay);
        await this.options.sleep(delay);
      }
    }
  }

  private accept(batch: readonly NumberedLine[], rejected: readonly RejectedEvent[]): void {
    this.stored += batch.length - rejected.length;
    this.accepted += batch.length - rejected.length;
    // rejectedLogEventsInfo names a prefix (too old, expired) and a suffix (too new): report each run.
    let run: { first: number; last: number; reason: RejectedEvent['reason'] } | undefined;
    const flush = (): void => {
      if (!run) return;
      const lines = batch.slice(run.first, run.last + 1);
      this.reject(lines, run.reason, REJECTION_REASONS[run.reason]);
      run = undefined;
    };
    for (const event of rejected) {
      if (run && run.reason === event.reason && run.last === event.index - 1) run.last = event.index;
      else {
        flush();
        run = { first: event.index, last: event.index, reason: event.reason };
      }
    }
    flush();
  }

  private reject(lines: readonly NumberedLine[], code: string, reason: string): void {
    const first = lines[0];
    if (!first) return;
    this.rejected += lines.length;
    this.options.onRejected?.({ firstLine: first.line, count: lines.length, code, reason });
  }
}

const REJECTION_REASONS: Record<RejectedEvent['reason'], string> = {
  tooOld: 'older than CloudWatch accepts (14 days)',
  tooNew: 'more than 2 hours ahead of CloudWatch clock',
  expired: 'older than the log group retention',
};

/** The back-off of a failed CloudWatch write (PutLogEvents, CreateLogStream): longer steps when throttled. */
export function putBackoff(kind: FailureKind, random: () => number): BackoffOptions {
  return { baseMs: kind === 'throttled' ? THROTTLED_BACKOFF_BASE_MS : BACKOFF_BASE_MS, maxMs: BACKOFF_CAP_MS, random };
}

function describe(error: unknown): { code: string; reason: string } {
  const e = error as { awsCode?: unknown; code?: unknown; cause?: unknown; message?: unknown };
  const cause = e?.cause as { message?: unknown } | undefined;
  const code = typeof e?.awsCode === 'string' ? e.awsCode : typeof e?.code === 'string' ? e.code : 'Unknown';
  const text = typeof cause?.message === 'string' ? cause.message : typeof e?.message === 'string' ? e.message : '';
  return { code, reason: text || String(error) };
}
