import type { ExecutionRecord, LogChunk, LogSeal } from '../domain';

/** A chunk as read back, with the store's bookkeeping. */
export interface StoredChunk extends LogChunk {
  /** Timestamp of the chunk's last event (epoch ms). */
  readonly lastTimestamp: number;
}

/** Where executions' logs are kept, as dense chunks 1..N (DynamoDB in production). */
export interface LogStore {
  /** The chunk holding the highest index (consistent read), or undefined when the log is empty. */
  latestChunk(executionId: string): Promise<StoredChunk | undefined>;
  /**
   * Stores `chunk` unless a chunk already starts at `chunk.seq`, in which case it throws
   * `ChunkConflictError` (code `CHUNK_CONFLICT`). `expiresAt` is epoch seconds.
   */
  appendChunk(executionId: string, chunk: LogChunk, expiresAt: number): Promise<void>;
  /** Chunks in index order starting with the one that holds `fromIndex`, paged lazily. */
  readChunks(executionId: string, fromIndex: number): AsyncIterable<StoredChunk>;
  /** Stores the record of an execution unless it exists; returns the stored record either way. */
  registerExecution(record: ExecutionRecord, expiresAt: number): Promise<ExecutionRecord>;
  getExecution(executionId: string): Promise<ExecutionRecord | undefined>;
  /** Writes the seal once; sealing a sealed log again keeps the first seal and returns it. */
  sealLog(executionId: string, seal: LogSeal, expiresAt: number): Promise<LogSeal>;
  /** Answers when the store is reachable. */
  ping(): Promise<void>;
}
