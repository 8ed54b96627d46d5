import { Backoff } from '../../src/domain';
import type { ShardSource } from '../../src/ports';
import type { ForwarderDirectory } from '../../src/ports/forwarder-directory';

/** What starting and ordering the forwarders needs. */
export interface ShardForwardersDeps {
  readonly shards: Pick<ShardSource, 'listShards'>;
  readonly forwarders: ForwarderDirectory;
}

/**
 * Makes sure every shard of the stream has its forwarder: one start per shard, which starts nothing when the
 * shard's forwarder runs or has completed, so any number of workers (and a closed shard's forwarder, for its children)
 * may call it. Returns the shards listed.
 */
export async function ensureForwarders(deps: ShardForwardersDeps, streamName: string): Promise<string[]> {
  const shards = await deps.shards.listShards(streamName);
  for (const shard of shards) await deps.forwarders.start(streamName, shard.shardId);
  return shards.map((shard) => shard.shardId);
}

/** Options of `awaitParentShards`. */
export interface AwaitParentsOptions {
  /** Waits `ms` (heartbeating; rejects when the activity is cancelled). */
  readonly wait: (ms: number) => Promise<void>;
  /** First wait between two looks (ms); doubles up to `maxPollMs`. */
  readonly pollMs?: number;
  readonly maxPollMs?: number;
}

/**
 * Waits until the parents of a shard (after a split, one; after a merge, two) are read to their end, so a log
 * stream's events that moved to the child are stored after those left on the parent (Kinesis's rule for keeping
 * order across resharding). A parent is done when its forwarder completed, or when its shard is gone from ListShards
 * (past the stream's retention) and no forwarder of it runs. A parent still listed whose forwarder is missing or
 * ended without finishing is started again.
 */
export async function awaitParentShards(
  deps: ShardForwardersDeps,
  input: { readonly streamName: string; readonly shardId: string },
  options: AwaitParentsOptions,
): Promise<void> {
  const { streamName, shardId } = input;
  const looks = new Backoff({ baseMs: options.pollMs ?? 1000, maxMs: options.maxPollMs ?? 10_000, jitter: 'none' });
  for (;;) {
    const shards = await deps.shards.listShards(streamName);
    const listed = new Set(shards.map((shard) => shard.shardId));
    const self = shards.find((shard) => shard.shardId === shardId);
    const parents = [self?.parentShardId, self?.adjacentParentShardId].filter(
      (id): id is string => id !== undefined && id !== '',
    );
    let pending = 0;
    for (const parent of parents) {
      const state = await deps.forwarders.state(streamName, parent);
      if (state === 'completed') continue;
      if (!listed.has(parent)) {
        if (state !== 'running') continue;
      } else if (state !== 'running') {
        await deps.forwarders.start(streamName, parent);
      }
      pending++;
    }
    if (pending === 0) return;
    await options.wait(looks.next());
  }
}
