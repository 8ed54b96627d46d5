import type { ShardProgress } from '../../src/domain';
import type { ShardInfo } from '../../src/ports';
import { shardsHolding } from './shard-lineage';

/** Where the forwarders stand against `quietAfter`: done when every shard that can hold the streams is past it. */
export interface ForwarderVerdict {
  readonly done: boolean;
  /** Shards not past it yet (no progress, or caught up to an earlier time). */
  readonly behind: readonly string[];
}

/**
 * Margin for the clocks of two processes (the drain's, the forwarder's) when a watch's time is compared with the
 * forwarder's read of the watches.
 */
export const WATCH_CLOCK_MARGIN_MS = 1000;

/**
 * Whether a shard's forwarder stored every record that arrived before `quietAfter`, for an execution watched since
 * `watchedSince` (epoch ms, the end of the put of a watch that has not lapsed since): everything (`caughtUpTo`), or
 * everything but the events it holds back of executions nobody watches, when it held by watches read after that
 * (`readUpTo`, `watchesAsOf`). Without that, a drain would wait for the hold of other executions' events.
 */
function storedPast(reported: ShardProgress, quietAfter: number, watchedSince: number | undefined): boolean {
  if (reported.caughtUpTo >= quietAfter) return true;
  const { readUpTo, watchesAsOf } = reported;
  return (
    watchedSince !== undefined &&
    readUpTo !== undefined &&
    watchesAsOf !== undefined &&
    readUpTo >= quietAfter &&
    watchesAsOf > watchedSince + WATCH_CLOCK_MARGIN_MS
  );
}

/**
 * True for each shard that can hold records of `logStreams` (see `shardsHolding`: the open shards their partition
 * keys hash into, and those shards' ancestors still listed) when its forwarder has stored every record that arrived
 * before `quietAfter` (see `storedPast`), or the shard is closed and read to its end: a slow shard holds only
 * the seals of executions whose streams it holds. Without the streams, or when the shards' hash key ranges are
 * unknown, every shard of the stream counts. A stream with no shard listed proves nothing.
 */
export function forwardersPast(
  shards: readonly ShardInfo[],
  progress: readonly ShardProgress[],
  quietAfter: number,
  logStreams?: readonly string[],
  watchedSince?: number,
): ForwarderVerdict {
  const holding = (logStreams === undefined ? undefined : shardsHolding(shards, logStreams)) ?? shards;
  const byShard = new Map(progress.map((p) => [p.shardId, p]));
  const behind = holding
    .filter((shard) => {
      const reported = byShard.get(shard.shardId);
      return !reported || !(storedPast(reported, quietAfter, watchedSince) || (shard.closed && reported.closed));
    })
    .map((shard) => shard.shardId);
  return { done: holding.length > 0 && behind.length === 0, behind };
}
