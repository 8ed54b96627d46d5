import type { ShardProgress } from '../src/domain';
import type { ShardInfo } from '../src/ports';

/** Where the forwarders stand against `quietAfter`: done when every shard of the stream is past it. */
export interface ForwarderVerdict {
  readonly done: boolean;
  /** Shards not past it yet (no progress, or caught up to an earlier time). */
  readonly behind: readonly string[];
}

/**
 * True for each shard of the stream when its forwarder has stored every record that arrived before
 * `quietAfter` (caughtUpTo ≥ quietAfter), or the shard is closed and read to its end. A stream with no
 * shard listed proves nothing.
 */
export function forwardersPast(
  shards: readonly ShardInfo[],
  progress: readonly ShardProgress[],
  quietAfter: number,
): ForwarderVerdict {
  const byShard = new Map(progress.map((p) => [p.shardId, p]));
  const behind = shards
    .filter((shard) => {
      const reported = byShard.get(shard.shardId);
      return !reported || !(reported.caughtUpTo >= quietAfter || (shard.closed && reported.closed));
    })
    .map((shard) => shard.shardId);
  return { done: shards.length > 0 && behind.length === 0, behind };
}
