import type { ExecutionRecord } from '../domain';
import type { LogStore } from '../ports';

/** How long records are reused. */
export interface RecordCacheOptions {
  /** An unsealed record read at most this long ago is reused (ms). */
  readonly freshMs?: number;
  /** A sealed record never changes again: reused this long (ms). */
  readonly sealedMs?: number;
  /** Most records held; the oldest go first. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly read: Promise<ExecutionRecord | undefined>;
  /** When the read started: a reused record is never older than that. */
  readonly startedAt: number;
  sealed: boolean;
}

/**
 * Execution records for the WebSocket upgrade check, read once for many sockets: concurrent reads of one
 * execution share a single store read, and a record is reused for a short time (longer once sealed,
 * since a sealed record is immutable). A missing record or a failed read is never reused.
 */
export class RecordCache {
  private readonly entries = new Map<string, Entry>();
  private readonly freshMs: number;
  private readonly sealedMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly store: Pick<LogStore, 'getExecution'>,
    options: RecordCacheOptions = {},
  ) {
    this.freshMs = options.freshMs ?? 1000;
    this.sealedMs = options.sealedMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The execution's record (undefined when it has none), from a read that started at most `freshMs` ago. */
  get(executionId: string): Promise<ExecutionRecord | undefined> {
    const now = this.now();
    const held = this.entries.get(executionId);
    if (held && now - held.startedAt <= (held.sealed ? this.sealedMs : this.freshMs)) return held.read;
    const entry: Entry = { read: this.store.getExecution(executionId), startedAt: now, sealed: false };
    this.entries.delete(executionId);
    this.entries.set(executionId, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    entry.read.then(
      (record) => {
        if (record === undefined) this.forget(executionId, entry);
        else entry.sealed = record.seal !== undefined;
      },
      () => this.forget(executionId, entry),
    );
    return entry.read;
  }

  private forget(executionId: string, entry: Entry): void {
    if (this.entries.get(executionId) === entry) this.entries.delete(executionId);
  }
}
