import {
  buildChunks,
  DEFAULT_CHUNK_LIMITS,
  initialCursor,
  type ChunkLimits,
  type LogLocation,
  type SourceCursor,
} from '../domain';
import type { LogSource } from './log-source';
import type { LogStore } from './log-store';

/** The tip of a stored log: the highest index and the cursor after it. */
export interface LogTip {
  readonly lastIndex: number;
  readonly cursor: SourceCursor;
  readonly lastTimestamp: number | undefined;
}

/** Options of a pump. */
export interface LogPumpOptions {
  readonly executionId: string;
  readonly location: LogLocation;
  /** Most events read from the source in one pump. */
  readonly maxEventsPerPump?: number;
  readonly chunkLimits?: ChunkLimits;
  /** Conflicts tolerated in one pump before giving up (each one means another writer made progress). */
  readonly maxConflicts?: number;
}

/** What one pump did. */
export interface PumpResult {
  /** Events this pump stored. */
  readonly appended: number;
  /** Events read from the source but already stored by another writer. */
  readonly conflicts: number;
  /** True when the source had nothing more to give (see `SourceBatch.exhausted`). */
  readonly exhausted: boolean;
  readonly tip: LogTip;
}

/**
 * Copies new events from the log source into the log store with dense indexes, exactly once.
 * The protocol is safe with any number of concurrent pumps of the same execution: a chunk is a
 * conditional put on its first index; the loser re-reads the tip (consistent read), resumes from
 * the cursor stored with it and so never stores an event twice nor skips one.
 */
export class LogPump {
  private tip: LogTip | undefined;
  private calls = 0;

  constructor(
    private readonly store: LogStore,
    private readonly source: LogSource,
    private readonly options: LogPumpOptions,
  ) {}

  /** The tip as last seen (undefined before the first pump). */
  get knownTip(): LogTip | undefined {
    return this.tip;
  }

  /** Log source calls made by this pump so far. */
  get sourceCalls(): number {
    return this.calls;
  }

  /** Reads the tip from the store (consistent). */
  async loadTip(): Promise<LogTip> {
    const latest = await this.store.latestChunk(this.options.executionId);
    this.tip = latest
      ? { lastIndex: latest.last, cursor: latest.cursor, lastTimestamp: latest.lastTimestamp }
      : { lastIndex: 0, cursor: initialCursor(this.options.location.logStreams), lastTimestamp: undefined };
    return this.tip;
  }

  /** Reads what the source has after the tip and stores it; returns how many events it stored. */
  async pump(): Promise<PumpResult> {
    const maxConflicts = this.options.maxConflicts ?? 50;
    let appended = 0;
    let conflicts = 0;
    for (;;) {
      const tip = this.tip ?? (await this.loadTip());
      const batch = await this.source.readAfter(
        this.options.location,
        tip.cursor,
        this.options.maxEventsPerPump ?? 10_000,
      );
      this.calls += batch.calls;
      if (batch.events.length === 0) {
        // Nothing new, but the source may have moved its tokens on: keep them so the next read
        // starts there (one call instead of two); nothing is stored, so nothing can be skipped.
        this.tip = { ...tip, cursor: batch.cursor };
        return { appended, conflicts, tip: this.tip, exhausted: batch.exhausted };
      }
      const chunks = buildChunks(
        tip.lastIndex + 1,
        tip.cursor,
        batch.events,
        this.options.chunkLimits ?? DEFAULT_CHUNK_LIMITS,
      );
      let lost = false;
      for (const chunk of chunks) {
        try {
          await this.store.appendChunk(this.options.executionId, chunk);
        } catch (error) {
          if ((error as { code?: unknown }).code !== 'CHUNK_CONFLICT') throw error;
          conflicts++;
          if (conflicts > maxConflicts) throw error;
          this.tip = undefined;
          lost = true;
          break;
        }
        appended += chunk.events.length;
        const lastEvent = chunk.events[chunk.events.length - 1];
        this.tip = { lastIndex: chunk.last, cursor: chunk.cursor, lastTimestamp: lastEvent?.timestamp };
      }
      if (!lost) return { appended, conflicts, tip: this.tip ?? tip, exhausted: false };
    }
  }
}
