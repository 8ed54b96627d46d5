import type { ExecutionRecord, LogChunk, LogSeal } from '../domain';

/** A chunk as read back, with the store's bookkeeping. */
export interface StoredChunk extends LogChunk {
  /** Timestamp of the chunk's last event (epoch ms). */
  readonly lastTimestamp: number;
}

/**
 * Where executions' logs are kept, as dense chunks 1..N (DynamoDB in production).
 *
 * Expiry: the seal gives the log `expiresAt` (see `sealExpiresAt` in src/domain): every item of it lives at
 * least that long. A store may write an unsealed log's items with a later provisional expiry (see the DynamoDB
 * store's `unsealedTtlSeconds`), so that a log never sealed does not live forever. Reads ignore expired items.
 *
 * Seal vs appends: they exclude each other by condition. After the seal no chunk can be appended
 * (`LogSealedError`), and a seal whose next index is already taken fails with `ChunkConflictError`.
 */
export interface LogStore {
  /** The chunk holding the highest index (consistent read), or undefined when the log is empty. */
  latestChunk(executionId: string): Promise<StoredChunk | undefined>;
  /**
   * Stores `chunk` unless a chunk already starts at `chunk.seq` (`ChunkConflictError`, code
   * `CHUNK_CONFLICT`) or the log is sealed (`LogSealedError`, code `LOG_SEALED`, not retryable).
   */
  appendChunk(executionId: string, chunk: LogChunk): Promise<void>;
  /** Chunks in index order starting with the one that holds `fromIndex`, paged lazily. */
  readChunks(executionId: string, fromIndex: number): AsyncIterable<StoredChunk>;
  /** Stores the record of an execution unless it exists; returns the stored record either way. */
  registerExecution(record: ExecutionRecord): Promise<ExecutionRecord>;
  getExecution(executionId: string): Promise<ExecutionRecord | undefined>;
  /**
   * Writes the seal once; the record and every chunk then live until `expiresAt` at least (epoch seconds). Sealing a
   * sealed log again keeps the first seal, finishes its expiry and returns it. Throws
   * `UnknownExecutionError` when the record does not exist (a seal never recreates a deleted record)
   * and `ChunkConflictError` when a chunk starts at `seal.lastIndex + 1` (a writer got there first:
   * drain again, then seal).
   */
  sealLog(executionId: string, seal: LogSeal, expiresAt: number): Promise<LogSeal>;
  /** Answers when the store is reachable. */
  ping(): Promise<void>;
}

/** Where a chunk starts: its execution and its first index. */
export interface ChunkKey {
  readonly executionId: string;
  readonly seq: number;
}

/**
 * Reads many executions' items by key in a few calls (DynamoDB: BatchGetItem, 100 keys a call), consistently. An
 * answer is undefined where there is no such item, or where the store left the key unread for now (the caller reads
 * it another way).
 */
export interface ChunkBatchReader {
  /** The chunks that start at `keys`, in the order of `keys`. */
  chunksAt(keys: readonly ChunkKey[]): Promise<(StoredChunk | undefined)[]>;
  /** The records (with their seals) of `executionIds`, in that order. */
  recordsOf(executionIds: readonly string[]): Promise<(ExecutionRecord | undefined)[]>;
}
