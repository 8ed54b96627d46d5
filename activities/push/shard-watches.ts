import { inBackground } from '../shared/in-background';

/** Options of a shard consumer's book of watched executions. */
export interface WatchBookOptions {
  /** Reads the executions watched now (`PushRegistry.readWatches`). */
  readonly read: () => Promise<Set<string>>;
  /** How often the watches are read again (ms). */
  readonly everyMs: number;
  readonly now: () => number;
  readonly log: { warn(message: string, meta?: Record<string, unknown>): void };
}

/**
 * Which executions someone waits for (a tail, a drain), as a shard consumer last read them: read again every
 * `everyMs`, beside the rounds, never in their way. Until a read succeeds, and while reads fail, every execution
 * counts as watched: the events are then stored at once, as without holding, so a failed read costs writes, never
 * latency.
 */
export class WatchBook {
  private watched = new Set<string>();
  private known = false;
  private changes = 0;
  private readAt = Number.NEGATIVE_INFINITY;
  /** When the read that brought `watched` began. */
  private watchedAsOf = Number.NEGATIVE_INFINITY;
  private readonly reader: { kick(): void; settle(): Promise<void> };

  constructor(private readonly options: WatchBookOptions) {
    this.reader = inBackground(async () => {
      try {
        const startedAt = this.options.now();
        const read = await this.options.read();
        if (!this.known || !sameSet(read, this.watched)) this.changes++;
        this.watched = read;
        this.watchedAsOf = startedAt;
        this.known = true;
      } catch (error) {
        if (this.known) this.changes++;
        this.known = false;
        this.options.log.warn('reading the watched executions failed; storing every event at once', {
          error: String(error),
        });
      }
    });
  }

  /** Counts the changes of what `has` answers: a consumer compares it to see that the watched set changed. */
  get version(): number {
    return this.changes;
  }

  /** Whether someone waits for the execution's lines. */
  has(executionId: string): boolean {
    return !this.known || this.watched.has(executionId);
  }

  /**
   * When the read began that `has` answers by (epoch ms): a watch written before then is in it. While no read
   * succeeds every execution counts as watched: now.
   */
  asOf(): number {
    return this.known ? this.watchedAsOf : this.options.now();
  }

  /** Reads the watches again if the last read is older than `everyMs` (in the background). */
  refresh(): void {
    const now = this.options.now();
    if (now - this.readAt < this.options.everyMs) return;
    this.readAt = now;
    this.reader.kick();
  }

  /** Resolves once no read is running. */
  settle(): Promise<void> {
    return this.reader.settle();
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const item of a) if (!b.has(item)) return false;
  return true;
}
