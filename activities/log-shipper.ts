import { splitForPut, type LogEvent } from '../src/domain';
import type { LogSource } from '../src/ports';

/** Options of a log shipper. */
export interface LogShipperOptions {
  readonly source: LogSource;
  readonly logGroup: string;
  readonly logStream: string;
  /** How long a line may wait for its batch (ms). */
  readonly flushIntervalMs?: number;
  /** Lines that trigger a flush before the interval. */
  readonly flushLines?: number;
  /** Called when a write failed and will be retried. */
  readonly onRetry?: (error: unknown, attempt: number) => void;
  readonly now?: () => number;
}

/**
 * Ships lines to one CloudWatch stream in batches, in order, one write at a time. Lines are
 * stamped when they arrive, never going backwards, because the stream's readers rely on a
 * timestamp-ordered stream. A failed write is retried with backoff: lines are never dropped.
 */
export class LogShipper {
  private queue: LogEvent[] = [];
  private lastTimestamp = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown;
  private shipped = 0;

  constructor(private readonly options: LogShipperOptions) {}

  /** Lines written to CloudWatch so far. */
  get shippedCount(): number {
    return this.shipped;
  }

  /** Queues a line. */
  add(message: string): void {
    const now = (this.options.now ?? Date.now)();
    this.lastTimestamp = Math.max(this.lastTimestamp, now);
    this.queue.push({ timestamp: this.lastTimestamp, message });
    if (this.queue.length >= (this.options.flushLines ?? 5000)) this.flushSoon(0);
    else this.flushSoon(this.options.flushIntervalMs ?? 100);
  }

  /** Writes everything queued and waits for it; rethrows a write failure that retries could not fix. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.startWrite();
    await this.writing;
    if (this.failure !== undefined) throw this.failure;
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
    while (this.queue.length > 0 && this.failure === undefined) {
      const queued = this.queue;
      this.queue = [];
      // One PutLogEvents call per retried unit, so a retry never repeats lines an earlier call stored.
      for (const batch of splitForPut(queued)) {
        await this.writeWithRetry(batch);
        if (this.failure !== undefined) return;
      }
    }
  }

  private async writeWithRetry(batch: LogEvent[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.source.putEvents(this.options.logGroup, this.options.logStream, batch);
        this.shipped += batch.length;
        return;
      } catch (error) {
        if ((error as { retryable?: unknown }).retryable === false || attempt >= 10) {
          this.failure = error;
          return;
        }
        this.options.onRetry?.(error, attempt);
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** attempt)));
      }
    }
  }
}
