import {
  buildChunks,
  DEFAULT_CHUNK_LIMITS,
  initialCursor,
  type ChunkLimits,
  type LogChunk,
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

/** What `appendChunkRun` did: the events it stored and the tip after them; `conflict` when it stopped at a lost race. */
export interface ChunkRun {
  readonly stored: number;
  readonly tip: LogTip;
  /** The `CHUNK_CONFLICT` of the first chunk another writer stored first (the rest were not tried). */
  readonly conflict?: unknown;
}

/**
 * The append protocol's write step: stores `chunks` (consecutive, built on `tip`) in order, and stops at the first
 * whose index another writer took: the caller reloads the tip (consistent) and recomputes what is still new from the
 * cursor stored there. Any other failure is thrown.
 */
export async function appendChunkRun(
  store: LogStore,
  executionId: string,
  tip: LogTip,
  chunks: readonly LogChunk[],
): Promise<ChunkRun> {
  let stored = 0;
  let at = tip;
  for (const chunk of chunks) {
    try {
      await store.appendChunk(executionId, chunk);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'CHUNK_CONFLICT') throw error;
      return { stored, tip: at, conflict: error };
    }
    stored += chunk.events.length;
    at = { lastIndex: chunk.last, cursor: chunk.cursor, lastTimestamp: chunk.events.at(-1)?.timestamp };
  }
  return { stored, tip: at };
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
      const run = await appendChunkRun(this.store, this.options.executionId, tip, chunks);
      appended += run.stored;
      if (run.conflict === undefined) {
        this.tip = run.tip;
        return { appended, conflicts, tip: run.tip, exhausted: false };
      }
      conflicts++;
      if (conflicts > maxConflicts) throw run.conflict;
      this.tip = undefined;
    }
  }
}
