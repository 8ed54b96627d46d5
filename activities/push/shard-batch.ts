import type { PushedRecord, ShardRecord } from '../../src/ports';
import { failureKind, isRetryableFailure } from '../../src/domain';
import type { RouteCache, RouteTarget } from './route-cache';
import type { ShardPacer } from './shard-pacing';

/** What the consumer needs of one execution's pushed-log writer. */
export interface ExecutionAppender {
  append(records: readonly PushedRecord[]): Promise<{ appended: number; duplicates: number; lastIndex: number }>;
}

/** Makes the writer of one execution. */
export type WriterFactory = (target: RouteTarget) => ExecutionAppender;

/** Counts of what a consumer did with the records it read. */
export interface BatchCounts {
  readonly records: number;
  /** Events stored. */
  readonly stored: number;
  /** Events found stored already (a replay after a restart, a record Kinesis delivered twice). */
  readonly duplicates: number;
  /** Data records of streams that are not logstream's to store (no route, a polled or sealed execution). */
  readonly skipped: number;
  /** Records that are not subscription payloads (not gzip, not JSON, not the expected shape). */
  readonly malformed: number;
  /** CloudWatch's CONTROL_MESSAGE checks. */
  readonly control: number;
}

interface Logger {
  warn(message: string, meta?: Record<string, unknown>): void;
}

/** Options of a batch writer. */
export interface ShardBatchWriterOptions {
  readonly shardId: string;
  readonly routes: RouteCache;
  readonly writerFor: WriterFactory;
  /** Backs off failed writes (the shard's pacer, so a struggling store also slows the reads). */
  readonly pacer: ShardPacer;
  /** Waits `ms` (heartbeating; rejects when the activity is cancelled). */
  readonly wait: (ms: number) => Promise<void>;
  readonly log: Logger;
  /** Writers kept (one per execution seen); the oldest are dropped first. */
  readonly maxWriters?: number;
  /** Holding back the events of executions nobody waits for, to store them in fewer, bigger chunks (default: none). */
  readonly hold?: HoldPolicy;
}

/**
 * When the events of an execution are held back. Each append writes at least one item, billed at 1 KB or more: an
 * execution printing a few lines at a time would otherwise cost a write per forwarder round. While nobody waits for
 * its lines (no tail, no drain: see `PushRegistry.putWatches`) they are held until enough wait or the oldest waited
 * long enough; the checkpoint and the reported progress stay behind the oldest event held, so nothing is lost when
 * the forwarder stops meanwhile (the records are read again, and the writer drops what it stored already).
 */
export interface HoldPolicy {
  /** Longest an event is held (ms); 0 holds nothing. */
  readonly holdMs: number;
  /** An execution's events are stored once this many bytes of messages wait. */
  readonly maxBytes: number;
  /** The oldest held executions are stored while more bytes than this wait in all (default 32 MB). */
  readonly maxTotalBytes?: number;
  /** Whether someone waits for the execution's lines now. */
  watched(executionId: string): boolean;
  /** Since when `watched` answers as it does: a watch written before then is known (epoch ms). */
  watchesAsOf?(): number;
  now(): number;
}

/** Where the shard stood when a read began: what the consumer falls back to while that read's events are held. */
export interface ReadMark<T> {
  /** The consumer's resume point before the read. */
  readonly resumeAt: T;
  /** What the consumer had stored everything that arrived before, before the read (epoch ms). */
  readonly caughtUpTo: number;
}

const DEFAULT_MAX_TOTAL_HELD_BYTES = 32 * 1024 * 1024;

interface Held {
  readonly target: RouteTarget;
  readonly records: PushedRecord[];
  bytes: number;
  readonly since: number;
  readonly mark: ReadMark<unknown>;
}

/**
 * Stores the events of one GetRecords answer: routes each DATA_MESSAGE by its log stream, skips CONTROL_MESSAGEs,
 * malformed records and streams that are not logstream's to store, and appends each execution's records in order,
 * different executions concurrently. Returns only once everything routed is stored: a failing dependency is retried
 * with back-off, never skipped; an execution found sealed is skipped from then on.
 */
export class ShardBatchWriter {
  private readonly writers = new Map<string, { writer: ExecutionAppender; streams: string }>();
  /** Events held back, per execution, oldest first. */
  private readonly held = new Map<string, Held>();
  private totals = { records: 0, stored: 0, duplicates: 0, skipped: 0, malformed: 0, control: 0 };
  private asOf: number | undefined;

  constructor(private readonly options: ShardBatchWriterOptions) {}

  /** Counts so far. */
  get counts(): BatchCounts {
    return { ...this.totals };
  }

  /** The mark of the read that brought the oldest event held back; undefined when nothing is held. */
  heldSince<T>(): ReadMark<T> | undefined {
    return this.held.values().next().value?.mark as ReadMark<T> | undefined;
  }

  /**
   * The watches the last `store` held events by (see `HoldPolicy.watchesAsOf`): once it resolved, an execution watched
   * since before then has every event it was given stored, none held. Undefined without a hold.
   */
  get watchesAsOf(): number | undefined {
    return this.asOf;
  }

  /** Executions with events held back. */
  get heldExecutions(): number {
    return this.held.size;
  }

  /**
   * Stores what `records` hold for logstream's executions; resolves once all of it is stored, with the highest
   * index stored of each execution they held.
   */
  async store<T>(records: readonly ShardRecord[], mark?: ReadMark<T>): Promise<Map<string, number>> {
    const { shardId, log } = this.options;
    this.totals.records += records.length;
    // The data records in shard order, each with its stream.
    const data: { stream: string; record: PushedRecord }[] = [];
    const streams = new Map<string, { logGroup: string; logStream: string }>();
    for (const record of records) {
      const message = record.message;
      if (message === undefined) {
        this.totals.malformed++;
        log.warn('skipped a malformed shard record', {
          shardId,
          sequenceNumber: record.sequenceNumber,
          reason: record.malformed ?? 'unknown',
        });
        continue;
      }
      if (message.messageType === 'CONTROL_MESSAGE') {
        this.totals.control++;
        continue;
      }
      if (message.logEvents.length === 0) continue;
      // A NUL cannot occur in a log group or stream name, so the key is unambiguous.
      const stream = `${message.logGroup}\u0000${message.logStream}`;
      streams.set(stream, { logGroup: message.logGroup, logStream: message.logStream });
      data.push({
        stream,
        record: {
          shardId,
          sequenceNumber: record.sequenceNumber,
          logStream: message.logStream,
          events: message.logEvents,
        },
      });
    }
    const keys = [...streams.keys()];
    const resolved = await this.retrying('route lookup', () =>
      this.options.routes.resolveAll(keys.flatMap((key) => streams.get(key) ?? [])),
    );
    const targets = new Map(keys.map((key, i) => [key, resolved[i]]));
    // One execution may own several streams: its records go in one append, in shard order.
    const byExecution = new Map<string, { target: RouteTarget; records: PushedRecord[] }>();
    for (const { stream, record } of data) {
      const target = targets.get(stream);
      if (target === undefined) {
        this.totals.skipped++;
        continue;
      }
      const entry = byExecution.get(target.executionId) ?? { target, records: [] };
      entry.records.push(record);
      byExecution.set(target.executionId, entry);
    }
    const hold = this.options.hold;
    if (hold === undefined || hold.holdMs <= 0 || mark === undefined) return this.appendAll([...byExecution.values()]);
    const now = hold.now();
    // In the same turn as the `watched` answers below: the watches cannot change in between.
    this.asOf = hold.watchesAsOf?.();
    for (const { target, records: routed } of byExecution.values()) {
      const held = this.held.get(target.executionId) ?? { target, records: [], bytes: 0, since: now, mark };
      held.records.push(...routed);
      for (const record of routed) for (const event of record.events) held.bytes += event.message.length;
      this.held.set(target.executionId, held);
    }
    const due = new Set(
      [...this.held]
        .filter(
          ([executionId, held]) =>
            hold.watched(executionId) || held.bytes >= hold.maxBytes || now - held.since >= hold.holdMs,
        )
        .map(([executionId]) => executionId),
    );
    // The forwarder's memory stays bounded however many executions print: the oldest held go first.
    let kept = 0;
    for (const [executionId, held] of this.held) if (!due.has(executionId)) kept += held.bytes;
    const maxTotal = hold.maxTotalBytes ?? DEFAULT_MAX_TOTAL_HELD_BYTES;
    for (const [executionId, held] of this.held) {
      if (kept <= maxTotal) break;
      if (due.has(executionId)) continue;
      due.add(executionId);
      kept -= held.bytes;
    }
    return this.release([...due]);
  }

  /** Stores every event held back (the round ends, the shard is closed); resolves with the tips stored. */
  flushAll(): Promise<Map<string, number>> {
    return this.release([...this.held.keys()]);
  }

  private async release(executionIds: readonly string[]): Promise<Map<string, number>> {
    const entries = executionIds.flatMap((id) => {
      const held = this.held.get(id);
      return held === undefined ? [] : [{ target: held.target, records: held.records }];
    });
    const tips = await this.appendAll(entries);
    // Only once stored: a failure leaves them held (and the checkpoint behind them).
    for (const id of executionIds) this.held.delete(id);
    return tips;
  }

  private async appendAll(
    entries: readonly { target: RouteTarget; records: PushedRecord[] }[],
  ): Promise<Map<string, number>> {
    const tips = new Map<string, number>();
    await Promise.all(
      entries.map(async ({ target, records }) => {
        const lastIndex = await this.append(target, records);
        if (lastIndex !== undefined) tips.set(target.executionId, lastIndex);
      }),
    );
    return tips;
  }

  /** Runs `call` until it succeeds, backing off while it fails for a reason that may pass; throws any other failure. */
  async retrying<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await call();
      } catch (error) {
        const kind = failureKind(error);
        if (!isRetryableFailure(kind)) throw error;
        const delayMs = kind === 'throttled' ? this.options.pacer.throttled() : this.options.pacer.failed();
        this.options.log.warn(`${what} failed; retrying`, {
          shardId: this.options.shardId,
          delayMs,
          error: String(error),
        });
        await this.options.wait(delayMs);
      }
    }
  }

  /** Appends one execution's records; resolves with its highest stored index, or undefined once it is sealed. */
  private async append(target: RouteTarget, records: PushedRecord[]): Promise<number | undefined> {
    const writer = this.writerOf(target);
    try {
      const result = await this.retrying(`append to ${target.executionId}`, () => writer.append(records));
      this.totals.stored += result.appended;
      this.totals.duplicates += result.duplicates;
      return result.lastIndex;
    } catch (error) {
      // The drain sealed the log: the execution is complete, later lines of its streams are not its log's.
      if ((error as { code?: unknown }).code !== 'LOG_SEALED') throw error;
      this.options.routes.markSealed(target.executionId);
      this.writers.delete(target.executionId);
      this.totals.skipped += records.length;
      return undefined;
    }
  }

  private writerOf(target: RouteTarget): ExecutionAppender {
    // A writer knows its execution's streams: one made before the record was readable (the routed stream alone) is
    // replaced once the record names them all.
    const streams = target.location.logStreams.join('\u0000');
    const cached = this.writers.get(target.executionId);
    if (cached !== undefined && cached.streams === streams) return cached.writer;
    const writer = this.options.writerFor(target);
    this.writers.delete(target.executionId);
    this.writers.set(target.executionId, { writer, streams });
    const max = this.options.maxWriters ?? 1000;
    if (this.writers.size > max) {
      const oldest = this.writers.keys().next();
      if (!oldest.done) this.writers.delete(oldest.value);
    }
    return writer;
  }
}
