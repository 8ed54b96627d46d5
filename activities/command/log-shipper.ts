import { putBatchEnd, putEventBytes } from '../../src/domain';
import type { LogSource } from '../../src/ports';
import { BatchWriter, type LinesRejected, type NumberedLine } from './batch-writer';

export type { LinesRejected } from './batch-writer';

/** Options of a log shipper. */
export interface LogShipperOptions {
  readonly source: LogSource;
  readonly logGroup: string;
  readonly logStream: string;
  /** How long a line may wait for its batch (ms). */
  readonly flushIntervalMs?: number;
  /** Lines that trigger a flush before the interval. */
  readonly flushLines?: number;
  /**
   * Bytes of lines held (queued or being written) above which `add` asks the producer to pause
   * (returns false) until `onDrain` listeners are called. Default 8 MiB.
   */
  readonly maxQueuedBytes?: number;
  /** How long `close()` keeps retrying an unavailable CloudWatch before reporting the rest lost (ms). */
  readonly closeDeadlineMs?: number;
  /** Called when a write failed and will be retried after `delayMs`. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Called when lines are lost for good (refused, not stored, or undeliverable past the deadline). */
  readonly onRejected?: (rejection: LinesRejected) => void;
  readonly now?: () => number;
  /** Waits between retries (tests pass a fake). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

interface QueuedLine extends NumberedLine {
  readonly bytes: number;
}

const DEFAULT_MAX_QUEUED_BYTES = 8 * 1024 * 1024;
const DEFAULT_CLOSE_DEADLINE_MS = 15 * 60_000;

/**
 * Ships lines to one CloudWatch stream in batches, in order, one write at a time. Lines are
 * stamped when they arrive, never going backwards, because the stream's readers rely on a
 * timestamp-ordered stream. Memory is bounded: past `maxQueuedBytes` held, `add` returns false and
 * the producer pauses until `onDrain`. No line is dropped silently: a write is retried while it can
 * succeed (see `BatchWriter`), and what CloudWatch will never hold is reported through `onRejected`.
 */
export class LogShipper {
  private queue: QueuedLine[] = [];
  private head = 0;
  private queuedBytes = 0;
  private peakBytes = 0;
  private lines = 0;
  private lastTimestamp = 0;
  private paused = false;
  private readonly drainListeners: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private giveUpAt: number | undefined;
  private readonly writer: BatchWriter;
  private readonly maxQueuedBytes: number;
  private readonly now: () => number;

  constructor(private readonly options: LogShipperOptions) {
    this.now = options.now ?? Date.now;
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.writer = new BatchWriter({
      source: options.source,
      logGroup: options.logGroup,
      logStream: options.logStream,
      giveUpAt: () => this.giveUpAt,
      now: this.now,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      random: options.random ?? Math.random,
      onRetry: options.onRetry,
      onRejected: options.onRejected,
    });
  }

  /** Lines written to CloudWatch so far. */
  get shippedCount(): number {
    return this.writer.storedCount;
  }

  /** Events CloudWatch accepted (lines, and notices of rejected lines), as far as every call's outcome is known. */
  get acceptedCount(): number {
    return this.writer.acceptedCount;
  }

  /** PutLogEvents calls whose outcome is unknown (see `BatchWriter.uncertainCount`). */
  get uncertainCount(): number {
    return this.writer.uncertainCount;
  }

  /** Lines CloudWatch will never hold (each reported through `onRejected`). */
  get rejectedCount(): number {
    return this.writer.rejectedCount;
  }

  /** Epoch ms of the last successful PutLogEvents, if any. */
  get lastWriteAt(): number | undefined {
    return this.writer.lastWriteAt;
  }

  /** Bytes of lines held now (queued or being written), counted as PutLogEvents counts them. */
  get heldBytes(): number {
    return this.queuedBytes;
  }

  /** The most bytes of lines held at any time. */
  get peakHeldBytes(): number {
    return this.peakBytes;
  }

  /**
   * Queues a line (`stderr`: read from the job's stderr, stored behind the marker); false when the producer should
   * pause until the `onDrain` listeners are called.
   */
  add(message: string, stderr = false): boolean {
    this.lastTimestamp = Math.max(this.lastTimestamp, this.now());
    const bytes = putEventBytes(message, stderr);
    this.queue.push({
      timestamp: this.lastTimestamp,
      message,
      ...(stderr ? { stderr: true } : {}),
      line: ++this.lines,
      bytes,
    });
    this.queuedBytes += bytes;
    this.peakBytes = Math.max(this.peakBytes, this.queuedBytes);
    const full = this.queuedBytes >= this.maxQueuedBytes;
    if (full) this.paused = true;
    if (full || this.queue.length - this.head >= (this.options.flushLines ?? 5000)) this.flushSoon(0);
    else this.flushSoon(this.options.flushIntervalMs ?? 100);
    return !full;
  }

  /** Calls `listener` each time the queue drained (to half its bound) after an `add` returned false. */
  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }

  /**
   * Writes everything queued and waits for it. A CloudWatch that stays unavailable is retried until
   * `closeDeadlineMs` from now; the lines still unwritten then are reported lost.
   */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.startDeadline();
    this.startWrite();
    await this.writing;
  }

  /**
   * Starts the `closeDeadlineMs` countdown (once): the producer has ended, but what it wrote may not
   * all be queued yet (a stopped job's output still in its paused pipes).
   */
  startDeadline(): void {
    this.giveUpAt ??= this.now() + (this.options.closeDeadlineMs ?? DEFAULT_CLOSE_DEADLINE_MS);
  }

  private flushSoon(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.startWrite();
    }, delayMs);
  }

  private startWrite(): void {
    this.writing = this.writing.then(() => this.writeQueued());
  }

  private async writeQueued(): Promise<void> {
    while (this.head < this.queue.length) {
      // One PutLogEvents call per retried unit, so a retry never repeats lines an earlier call stored.
      const batch = this.queue.slice(
        this.head,
        putBatchEnd(this.queue, this.head, (line) => line.bytes),
      );
      await this.writer.write(batch);
      this.release(batch);
    }
  }

  private release(batch: readonly QueuedLine[]): void {
    this.head += batch.length;
    for (const line of batch) this.queuedBytes -= line.bytes;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.paused && this.queuedBytes <= this.maxQueuedBytes / 2) {
      this.paused = false;
      for (const listener of this.drainListeners) listener();
    }
  }
}
