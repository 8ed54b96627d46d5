import type { Logger } from 'pino';
import { backoffDelay, type ExecutionRecord } from '../domain';
import type { ChunkBatchReader, StoredChunk } from '../ports';
import { WatchPublisher } from './watch-publisher';

// Batch reads one tick of the feed makes at most for tails several chunks behind their tips.
const MAX_PASSES = 4;

/** Where the tips of pushed logs are read: the tips items of the forwarders (see `PushRegistry.readTips`). */
export interface TipSource {
  readTips(): Promise<ReadonlyMap<string, number>>;
  /**
   * Tells the forwarders these executions are tailed until `untilMs`, so that they store their lines at once instead
   * of holding them back for bigger chunks (see `PushRegistry.putWatches`).
   */
  watch?(executionIds: readonly string[], untilMs: number): Promise<void>;
}

/** What the feed needs of a tail. */
export interface TippedTail {
  readonly executionId: string;
  /** Highest index fanned out. */
  readonly position: number;
  /** The log is pushed (the forwarder stores it, and publishes its tips) and the tail is still live. */
  readonly tipped: boolean;
  /** Ms since the tail last published (or started): a tail idle for a while is worth a look at its seal. */
  readonly idleMs: number;
  /**
   * The chunk right after `position`, if the feed read one, and the log's tip: the tail publishes it and, when still
   * behind the tip and `readOn`, reads the rest from the store itself.
   */
  offer(chunk: StoredChunk | undefined, tip: number, readOn?: boolean): void;
  /** The execution's record as the feed read it (idle tails): a seal ends the tail. */
  offerRecord(record: ExecutionRecord | undefined): void;
}

/** Options of a tip feed. */
export interface TipFeedOptions {
  readonly source: TipSource;
  /** Reads the next chunks and the records of many tails at once; without it, each tail reads by itself. */
  readonly chunks?: ChunkBatchReader;
  /** Interval between two reads of the tips (ms). */
  readonly everyMs: number;
  /** How often the records of idle tails are read at once, for their seals (ms). */
  readonly sealCheckMs: number;
  /**
   * How long after it started the last read of the tips is trusted (ms), default 30 s (at least 5 × `everyMs`). The
   * tails go back to polling at once when a read of the tips fails; a merely slow store must not turn them all back
   * to polling it, which would slow it further. This bound is for a feed that stopped answering at all.
   */
  readonly staleMs?: number;
  readonly logger: Logger;
  readonly now?: () => number;
}

/**
 * One loop per API process that tells the tails of pushed logs when their logs grew: it reads the forwarders'
 * tips (one Query of one item per Kinesis shard) and, for the tails behind their tip, the next chunk of each
 * (one BatchGetItem per 100 tails), instead of every tail querying its log every interval. Idle tails' seals are
 * read the same way, once per seal check interval. The loop runs only while some tail is tipped. Tips are hints: a tail that gets no chunk from the feed reads the store itself,
 * and a tail trusts "no news" from the tips only for a while (see `Tail`), so a lost or stale tip costs
 * latency, never an event.
 */
export class TipFeed {
  private snapshot: ReadonlyMap<string, number> | undefined;
  private readAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private closed = false;
  private failures = 0;
  private lastSealCheck = Number.NEGATIVE_INFINITY;
  private checkingSeals = false;
  private readonly watches: WatchPublisher | undefined;
  private readonly now: () => number;

  constructor(
    private readonly options: TipFeedOptions,
    private readonly tails: () => Iterable<TippedTail>,
  ) {
    this.now = options.now ?? Date.now;
    const watch = options.source.watch?.bind(options.source);
    this.watches =
      watch === undefined
        ? undefined
        : new WatchPublisher({
            watch,
            now: this.now,
            onError: (error) =>
              options.logger.warn({ err: error }, 'publishing the tailed executions failed; tried again next tick'),
          });
  }

  /**
   * The tip of a pushed log as last read (0 for a log the forwarders did not append to lately), while the feed can be
   * trusted: undefined before its first read, after a failed read, and when its last read is older than `staleMs`.
   */
  tipOf(executionId: string): number | undefined {
    const staleMs = this.options.staleMs ?? Math.max(30_000, 5 * this.options.everyMs);
    if (this.snapshot === undefined || this.failures > 0 || this.now() - this.readAt > staleMs) return undefined;
    return this.snapshot.get(executionId) ?? 0;
  }

  /** True when the feed reads the records of idle tipped tails (so they need not read their own as often). */
  get checksSeals(): boolean {
    return this.options.chunks !== undefined;
  }

  /** Starts the loop if it is not running (a tipped tail joined). */
  wake(): void {
    if (this.running || this.closed) return;
    this.running = true;
    this.timer = setTimeout(() => void this.tick(), 0);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    const { everyMs, logger } = this.options;
    const watched = [...this.tails()].filter((tail) => tail.tipped);
    if (watched.length === 0 || this.closed) {
      this.running = false;
      return;
    }
    const startedAt = this.now();
    this.publishWatches(watched);
    let delay = everyMs;
    try {
      const tips = await this.options.source.readTips();
      this.snapshot = tips;
      this.readAt = startedAt;
      this.failures = 0;
      await this.feed(watched, tips);
    } catch (error) {
      // The tails read the store by themselves until the tips can be read again.
      this.failures++;
      delay = backoffDelay(this.failures + 1, { baseMs: everyMs, maxMs: 10_000, jitter: 'none' });
      logger.warn({ err: error, delayMs: delay }, 'reading the log tips failed; tails poll the store meanwhile');
    }
    if (!this.closed && !this.checkingSeals && this.now() - this.lastSealCheck >= this.options.sealCheckMs) {
      // Beside the tips, not in their way: a slow read of the records must not delay the live chunks.
      this.lastSealCheck = this.now();
      this.checkingSeals = true;
      void this.checkSeals(watched).finally(() => (this.checkingSeals = false));
    }
    if (this.closed) return;
    this.timer = setTimeout(() => void this.tick(), Math.max(0, startedAt + delay - this.now()));
  }

  private async feed(watched: readonly TippedTail[], tips: ReadonlyMap<string, number>): Promise<void> {
    const tipOf = (tail: TippedTail): number => tips.get(tail.executionId) ?? 0;
    let due = watched.filter((tail) => tipOf(tail) > tail.position);
    // A tail more than one chunk behind (the forwarder stored several since the last pass) gets its next chunk in the
    // next pass: a few batch reads for all the tails, rather than a Query each.
    for (let pass = 1; due.length > 0; pass++) {
      let chunks: readonly (StoredChunk | undefined)[] = [];
      if (this.options.chunks) {
        try {
          // A tail's position is the last index of a chunk it published: its next chunk starts right after it.
          chunks = await this.options.chunks.chunksAt(
            due.map((tail) => ({ executionId: tail.executionId, seq: tail.position + 1 })),
          );
        } catch (error) {
          this.options.logger.warn({ err: error }, 'reading the next chunks failed; the tails read them themselves');
        }
      }
      const lastPass = pass >= MAX_PASSES;
      due.forEach((tail, i) => tail.offer(chunks[i], tipOf(tail), lastPass || chunks[i] === undefined));
      if (lastPass) return;
      due = due.filter((tail, i) => chunks[i] !== undefined && tail.tipped && tipOf(tail) > tail.position);
    }
  }

  /** Publishes, beside the loop, the watches of the tailed executions (see `WatchPublisher`). */
  private publishWatches(watched: readonly TippedTail[]): void {
    const tailed = new Set(watched.map((tail) => tail.executionId));
    this.watches?.retain(tailed);
    this.watches?.publish(tailed);
  }

  /** Reads the records of the tails idle for a seal check interval, at once: a sealed one finishes. */
  private async checkSeals(watched: readonly TippedTail[]): Promise<void> {
    const reader = this.options.chunks;
    const idle = watched.filter((tail) => tail.tipped && tail.idleMs >= this.options.sealCheckMs);
    if (reader === undefined || idle.length === 0) return;
    try {
      const records = await reader.recordsOf(idle.map((tail) => tail.executionId));
      idle.forEach((tail, i) => tail.offerRecord(records[i]));
    } catch (error) {
      // The tails read their own seals too, less often: a failed read here only delays the end of a tail.
      this.options.logger.warn({ err: error }, 'reading the records of idle tails failed');
    }
  }
}
