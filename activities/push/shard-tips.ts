/** Options of a shard's tips book. */
export interface ShardTipsOptions {
  /** How long an execution the forwarder stopped appending to stays in the tips (ms), default 60 s. */
  readonly keepMs?: number;
  /** Most executions published (the most recently appended to first), default 5000. */
  readonly maxTips?: number;
}

/**
 * What a shard's forwarder has stored lately, per execution (the highest index), to publish as the shard's
 * tips item: the tails of every API process read that one item instead of polling each log. `dirty` says it
 * changed since it was last published; a failed publication leaves it dirty, so the next round tries again.
 * A fresh book starts clean: the item an earlier run of the shard's consumer published stands until this one has
 * something to say (its tips may lag the store, never lead it: a tail that trusts them is at worst late).
 */
export class ShardTipsBook {
  /** Execution → highest index stored and when; kept in order of the last append (oldest first). */
  private readonly tips = new Map<string, { last: number; at: number }>();
  private changed = false;

  constructor(private readonly options: ShardTipsOptions = {}) {}

  get dirty(): boolean {
    return this.changed;
  }

  /** Notes that the log of `executionId` is stored up to `lastIndex` (at epoch ms `at`). */
  note(executionId: string, lastIndex: number, at: number): void {
    const held = this.tips.get(executionId);
    if (held !== undefined && held.last >= lastIndex) return;
    this.tips.delete(executionId);
    this.tips.set(executionId, { last: lastIndex, at });
    this.changed = true;
  }

  /**
   * The tips to publish now, the most recent first (executions idle past `keepMs` are dropped), of the executions
   * `include` says someone tails (all by default: only tails read the tips); the book is clean. `left` counts the
   * tips left out for the `maxTips` bound (their tails poll the store instead: say so).
   */
  take(
    now: number,
    include: (executionId: string) => boolean = () => true,
  ): { tips: Map<string, number>; left: number } {
    const keepMs = this.options.keepMs ?? 60_000;
    for (const [executionId, tip] of this.tips) {
      if (now - tip.at <= keepMs) break;
      this.tips.delete(executionId);
    }
    const max = this.options.maxTips ?? 5000;
    const newestFirst = [...this.tips].reverse().filter(([executionId]) => include(executionId));
    this.changed = false;
    return {
      tips: new Map(newestFirst.slice(0, max).map(([executionId, tip]) => [executionId, tip.last])),
      left: Math.max(0, newestFirst.length - max),
    };
  }

  /** Something other than the tips changed what `take` gives (which executions are tailed): publish again. */
  touch(): void {
    this.changed = true;
  }

  /** Forgets every tip (a closed shard's item, emptied, costs the tails' reads nothing). */
  clear(): void {
    this.tips.clear();
    this.changed = true;
  }

  /** The last `take` was not published. */
  failed(): void {
    this.changed = true;
  }
}
