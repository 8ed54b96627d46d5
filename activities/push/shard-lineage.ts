import { createHash } from 'node:crypto';
import type { ShardInfo } from '../../src/ports';

/** Kinesis takes partition keys of at most 256 characters: a longer stream name is keyed some way not known here. */
const MAX_PARTITION_KEY_CHARS = 256;

/**
 * The hash key Kinesis files a log stream's records under when the subscription filter distributes ByLogStream (the
 * partition key is the stream's name): MD5 of the key as a 128-bit unsigned integer. Undefined when the name cannot be
 * the partition key as it is (empty, or over 256 characters).
 */
export function logStreamHashKey(logStream: string): bigint | undefined {
  const chars = [...logStream].length;
  if (chars === 0 || chars > MAX_PARTITION_KEY_CHARS) return undefined;
  return BigInt(`0x${createHash('md5').update(logStream, 'utf8').digest('hex')}`);
}

/**
 * The shards that can hold records of `logStreams`: for each stream, the open shard whose hash key range covers the
 * stream's hash key, and that shard's ancestors still listed whose range covers it too (a record goes to the shard
 * that covered its key when it arrived: before a split or a merge, an ancestor). Undefined when that cannot be told:
 * a shard listed without its range, a stream with no known key, or no open shard covering a key. The caller then
 * waits for every shard.
 */
export function shardsHolding(shards: readonly ShardInfo[], logStreams: readonly string[]): ShardInfo[] | undefined {
  if (logStreams.length === 0 || shards.some((shard) => shard.hashKeyRange === undefined)) return undefined;
  const byId = new Map(shards.map((shard) => [shard.shardId, shard]));
  const held = new Set<string>();
  for (const logStream of logStreams) {
    const key = logStreamHashKey(logStream);
    if (key === undefined) return undefined;
    const open = shards.filter((shard) => !shard.closed && covers(shard, key));
    if (open.length === 0) return undefined;
    // Walked per stream: a shard already held for another stream may have a different ancestor covering this key.
    const seen = new Set<string>();
    const pending = [...open];
    for (let shard = pending.pop(); shard !== undefined; shard = pending.pop()) {
      if (seen.has(shard.shardId) || !covers(shard, key)) continue;
      seen.add(shard.shardId);
      held.add(shard.shardId);
      for (const parent of [shard.parentShardId, shard.adjacentParentShardId]) {
        const listed = parent === undefined ? undefined : byId.get(parent);
        if (listed !== undefined) pending.push(listed);
      }
    }
  }
  return shards.filter((shard) => held.has(shard.shardId));
}

function covers(shard: ShardInfo, key: bigint): boolean {
  const range = shard.hashKeyRange;
  // Ranges are checked present by the caller; a malformed one covers everything (waiting for it is the safe side).
  if (range === undefined || !/^\d+$/.test(range.startingHashKey) || !/^\d+$/.test(range.endingHashKey)) return true;
  return BigInt(range.startingHashKey) <= key && key <= BigInt(range.endingHashKey);
}
