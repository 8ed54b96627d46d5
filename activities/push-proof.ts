import type { ShardProgress } from '../src/domain';
import type { ShardInfo } from '../src/ports';
import { shardsHolding } from './shard-lineage';

/** Where the forwarders stand against `quietAfter`: done when every shard that can hold the streams is past it. */
export interface ForwarderVerdict {
  readonly done: boolean;
  /** Shards not past it yet (no progress, or caught up to an earlier time). */
  readonly behind: readonly string[];
}

/**
 * True for each shard that can hold records of `logStreams` (see `shardsHolding`: the open shards their partition
 * keys hash into, and those shards' ancestors still listed) when its forwarder has stored every record that arrived
 * before `quietAfter` (caughtUpTo ≥ quietAfter), or the shard is closed and read to its end: a slow shard holds only
 * the seals of executions whose streams it holds. Without the streams, or when the shards' hash key ranges are
 * unknown, every shard of the stream counts. A stream with no shard listed proves nothing.
 */
export function forwardersPast(
  shards: readonly ShardInfo[],
  progress: readonly ShardProgress[],
  quietAfter: number,
  logStreams?: readonly string[],
): ForwarderVerdict {
  const holding = (logStreams === undefined ? undefined : shardsHolding(shards, logStreams)) ?? shards;
  const byShard = new Map(progress.map((p) => [p.shardId, p]));
  const behind = holding
    .filter((shard) => {
      const reported = byShard.get(shard.shardId);
      return !reported || !(reported.caughtUpTo >= quietAfter || (shard.closed && reported.closed));
    })
    .map((shard) => shard.shardId);
  return { done: holding.length > 0 && behind.length === 0, behind };
}
