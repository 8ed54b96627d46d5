import {
  buildChunks,
  DEFAULT_CHUNK_LIMITS,
  InvalidInputError,
  initialCursor,
  positionOf,
  type ChunkLimits,
  type LogEvent,
  type LogLocation,
  type SourcedEvent,
  type StreamPosition,
} from '../domain';
import {
  DEFAULT_RECENT_ID_WINDOW,
  freshPushedEvents,
  freshReadEvents,
  type PushedRecord,
} from '../domain/pushed-events';
import { appendChunkRun, type LogTip } from './log-pump';
import type { LogStore } from './log-store';

export type { PushedRecord } from '../domain/pushed-events';

/** Options of a pushed log writer. */
export interface PushedLogWriterOptions {
  readonly executionId: string;
  readonly location: LogLocation;
  readonly chunkLimits?: ChunkLimits;
  /** Ids kept per stream in the stored cursor for dedupe (default 256). */
  readonly recentIdWindow?: number;
  /**
   * Take the log as empty until a write says otherwise: the first append goes to index 1 without reading the tip
   * first. Chunks are dense from 1, so it succeeds only on an empty log; on any other it is refused and the tip is
   * read as usual. Saves a read per new execution (the forwarder meets many at once), costs a refused write on a
   * log that already has events.
   */
  readonly startEmpty?: boolean;
  /** Conflicts tolerated in one call before giving up (each one means another writer made progress). */
  readonly maxConflicts?: number;
}

/** Stored ids a writer keeps between its calls (about 10 MB); past this it reads them again when it needs them. */
const MAX_KEPT_IDS = 100_000;

/** Every CloudWatch id a log holds up to `lastIndex`, and how many events were found there twice. */
export interface StoredIds {
  readonly ids: ReadonlySet<string>;
  readonly duplicates: number;
  readonly lastIndex: number;
}

/** What one `append` did. */
export interface PushedAppendResult {
  readonly appended: number;
  /** Events found stored already (by another writer, or delivered twice). */
  readonly duplicates: number;
  readonly lastIndex: number;
}

/**
 * Stores pushed events (the forwarder's Kinesis records) of one execution with dense indexes, exactly
 * once, by LogPump's protocol: a chunk is a conditional put on its first index and carries the cursor
 * after its last event; the loser of a race re-reads the tip (consistent) and recomputes what is new
 * from the cursor stored there. An event's identity is its CloudWatch id and where it came from: see
 * `freshPushedEvents`. Any number of writers of the same execution may run at once, provided each
 * gives a shard's records in the shard's order from a point up to which they are all stored (a
 * checkpoint): a record at or before the stored origin is taken as stored.
 */
export class PushedLogWriter {
  private tip: LogTip | undefined;
  private known: { ids: Set<string>; duplicates: number; lastIndex: number } | undefined;

  constructor(
    private readonly store: LogStore,
    private readonly options: PushedLogWriterOptions,
  ) {
    if (options.startEmpty === true) this.tip = emptyTip(options.location.logStreams);
  }

  /** Stores the events of `records` (in the order given) that are not stored yet; throws LogSealedError when sealed. */
  async append(records: readonly PushedRecord[]): Promise<PushedAppendResult> {
    for (const record of records) this.checkStream(record.logStream);
    let duplicates = 0;
    const { appended, tip } = await this.storeFresh(async (tip, storedHere) => {
      let batch = freshPushedEvents(tip.cursor, records, this.window);
      // An event that may be a stored one the cursor no longer names (a record delivered again, re-batched, later
      // than the recent ids reach): decided against every id the log holds.
      if (batch.needsStoredIds) {
        batch = freshPushedEvents(tip.cursor, records, this.window, (await this.storedIdsUpTo(tip.lastIndex)).ids);
      }
      // What this call stored before losing a race is behind the new tip: not a duplicate delivery.
      duplicates = batch.duplicates - storedHere;
      return batch.fresh;
    });
    this.forgetLargeIdSet();
    return { appended, duplicates, lastIndex: tip.lastIndex };
  }

  /**
   * Stores events read from CloudWatch that the caller found missing, after everything stored, marked
   * `recovered`; those the log holds by then (another writer stored them meanwhile) are left out.
   */
  async appendMissing(
    logStream: string,
    events: readonly (LogEvent & { readonly eventId: string })[],
  ): Promise<{ appended: number; lastIndex: number }> {
    this.checkStream(logStream);
    const { appended, tip } = await this.storeFresh(async (tip) =>
      freshReadEvents(tip.cursor, logStream, events, (await this.storedIdsUpTo(tip.lastIndex)).ids, this.window),
    );
    this.forgetLargeIdSet();
    return { appended, lastIndex: tip.lastIndex };
  }

  /**
   * Every CloudWatch id the log holds up to its current tip, with how many events were found stored twice and the
   * index read up to. Read once and kept up to date by this writer's appends (later ones by others are read on).
   */
  async storedIds(): Promise<StoredIds> {
    return this.storedIdsUpTo((await this.loadTip()).lastIndex);
  }

  /** Ids of the stream's most recent stored events and its first id, from the tip (for the seal's check). */
  async tipOf(logStream: string): Promise<StreamPosition> {
    return positionOf((await this.loadTip()).cursor, logStream);
  }

  /**
   * Drops the stored ids once they are many: a writer lives as long as its execution is forwarded, and the ids of a
   * long log would hold memory for good. The next suspect event reads them again (rare: a repeat past the recent ids).
   */
  private forgetLargeIdSet(): void {
    if ((this.known?.ids.size ?? 0) > MAX_KEPT_IDS) this.known = undefined;
  }

  /** The stored ids up to `lastIndex` at least (reads only the chunks not read yet). */
  private async storedIdsUpTo(lastIndex: number): Promise<StoredIds> {
    const known = (this.known ??= { ids: new Set<string>(), duplicates: 0, lastIndex: 0 });
    if (lastIndex > known.lastIndex) {
      for await (const chunk of this.store.readChunks(this.options.executionId, known.lastIndex + 1)) {
        chunk.events.forEach((event, offset) => {
          const index = chunk.seq + offset;
          if (index <= known.lastIndex || index > lastIndex || event.eventId === undefined) return;
          if (known.ids.has(event.eventId)) known.duplicates++;
          else known.ids.add(event.eventId);
        });
        if (chunk.last >= lastIndex) break;
      }
      known.lastIndex = lastIndex;
    }
    return known;
  }

  private get window(): number {
    return this.options.recentIdWindow ?? DEFAULT_RECENT_ID_WINDOW;
  }

  private checkStream(logStream: string): void {
    if (!this.options.location.logStreams.includes(logStream)) {
      throw new InvalidInputError(
        'logStream',
        `log stream ${logStream} is not a stream of execution ${this.options.executionId}`,
      );
    }
  }

  private async loadTip(): Promise<LogTip> {
    const latest = await this.store.latestChunk(this.options.executionId);
    this.tip = latest
      ? { lastIndex: latest.last, cursor: latest.cursor, lastTimestamp: latest.lastTimestamp }
      : emptyTip(this.options.location.logStreams);
    return this.tip;
  }

  /**
   * Stores what `fresh` finds new after the tip (given the events this call stored so far), chunk by chunk; after a lost race, reloads the tip and
   * asks again (what another writer stored is no longer new).
   */
  private async storeFresh(
    fresh: (tip: LogTip, storedHere: number) => SourcedEvent[] | Promise<SourcedEvent[]>,
  ): Promise<{ appended: number; tip: LogTip }> {
    const maxConflicts = this.options.maxConflicts ?? 50;
    let appended = 0;
    let conflicts = 0;
    for (;;) {
      const tip = this.tip ?? (await this.loadTip());
      const events = await fresh(tip, appended);
      const chunks = buildChunks(
        tip.lastIndex + 1,
        tip.cursor,
        events,
        this.options.chunkLimits ?? DEFAULT_CHUNK_LIMITS,
      );
      const run = await appendChunkRun(this.store, this.options.executionId, tip, chunks);
      appended += run.stored;
      if (this.known?.lastIndex === tip.lastIndex) {
        // The ids this writer stored right after what it knew: known without reading them back.
        for (const chunk of chunks.filter((stored) => stored.last <= run.tip.lastIndex)) {
          for (const event of chunk.events) if (event.eventId !== undefined) this.known.ids.add(event.eventId);
          this.known.lastIndex = chunk.last;
        }
      }
      if (run.conflict === undefined) {
        this.tip = run.tip;
        return { appended, tip: run.tip };
      }
      conflicts++;
      if (conflicts > maxConflicts) throw run.conflict;
      this.tip = undefined;
    }
  }
}

/** The tip of a log without events. */
function emptyTip(logStreams: readonly string[]): LogTip {
  return { lastIndex: 0, cursor: initialCursor(logStreams), lastTimestamp: undefined };
}
