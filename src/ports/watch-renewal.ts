/** Options of a watch renewal. */
export interface WatchRenewalOptions {
  /** Puts the watches (see `PushRegistry.putWatches`, bound to a Kinesis stream). */
  readonly watch: (executionIds: readonly string[], untilMs: number) => Promise<void>;
  /** How long a watch lasts (ms), default 60 s; it is renewed once half over. */
  readonly watchMs?: number;
  /** After a failed put, how long its executions wait before the next try (ms), default 0 (the next `renew`). */
  readonly retryMs?: number;
  readonly now?: () => number;
}

/**
 * Keeps executions watched (see `PushRegistry.putWatches`): each watch lasts `watchMs` and is put again once half
 * over, the due ones in one call. It also knows since when a watch has held without a gap, which is what lets a drain
 * trust a forwarder's read of the watches (see `heldSince`). Shared by the API's readers and tails (through
 * `WatchPublisher`, in the background) and by the drain (awaited, as it must know when its watch holds).
 */
export class WatchRenewal {
  /** Execution → until when its watch holds, since when it has held without a gap (epoch ms). */
  private readonly held = new Map<string, { until: number; since: number }>();
  /** Execution → when it may be tried again after a failed put. */
  private readonly retryAt = new Map<string, number>();
  private readonly watchMs: number;
  private readonly now: () => number;

  constructor(private readonly options: WatchRenewalOptions) {
    this.watchMs = options.watchMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Puts the watches of `executionIds` that are missing or half over, in one call, and forgets those that are over.
   * A failed put is thrown, and changes nothing: a watch put before still holds until its own end.
   */
  async renew(executionIds: Iterable<string>): Promise<void> {
    const now = this.now();
    for (const [id, watch] of this.held) if (watch.until <= now) this.held.delete(id);
    for (const [id, at] of this.retryAt) if (at <= now) this.retryAt.delete(id);
    const due = [...new Set(executionIds)].filter(
      (id) => (this.held.get(id)?.until ?? 0) - now < this.watchMs / 2 && !this.retryAt.has(id),
    );
    if (due.length === 0) return;
    const until = now + this.watchMs;
    try {
      await this.options.watch(due, until);
    } catch (error) {
      for (const id of due) this.retryAt.set(id, this.now() + (this.options.retryMs ?? 0));
      throw error;
    }
    // Held from the end of the put on; without a gap only while the watch put before still held then.
    const end = this.now();
    for (const id of due) {
      const before = this.held.get(id);
      this.held.set(id, { until, since: before !== undefined && before.until > end ? before.since : end });
      this.retryAt.delete(id);
    }
  }

  /** Since when the watch of `executionId` has held without a gap, while it holds; undefined when it does not. */
  heldSince(executionId: string): number | undefined {
    const watch = this.held.get(executionId);
    return watch !== undefined && this.now() < watch.until ? watch.since : undefined;
  }

  /** Forgets the executions not in `kept`: a watch put again for one of them is a new one. */
  retain(kept: ReadonlySet<string>): void {
    for (const id of this.held.keys()) if (!kept.has(id)) this.held.delete(id);
    for (const id of this.retryAt.keys()) if (!kept.has(id)) this.retryAt.delete(id);
  }
}
