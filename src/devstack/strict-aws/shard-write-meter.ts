import { createHash } from 'node:crypto';

const WINDOW_MS = 1_000;

/** An open shard of a stream and its hash key range (inclusive at both ends). */
export interface OpenShard {
  shardId: string;
  startingHashKey: bigint;
  endingHashKey: bigint;
}

/** The hash key Kinesis gives a record: its explicit hash key, or the MD5 of its partition key as a number. */
export function hashKeyOf(partitionKey: string, explicitHashKey?: string): bigint {
  if (explicitHashKey !== undefined && /^\d+$/.test(explicitHashKey)) return BigInt(explicitHashKey);
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

/** The open shard whose range holds `hashKey`, or undefined. */
export function shardOfKey(shards: readonly OpenShard[], hashKey: bigint): OpenShard | undefined {
  return shards.find((shard) => shard.startingHashKey <= hashKey && hashKey <= shard.endingHashKey);
}

/** Per-shard write limits (0 = none). */
export interface ShardLimits {
  bytesPerSecond: number;
  recordsPerSecond: number;
}

/**
 * What each shard took in the last second (sliding window), against Kinesis' per-shard write limits: a record is
 * admitted when it fits in what is left of both; refused records do not count.
 */
export class ShardWriteMeter {
  private readonly writes = new Map<string, { at: number; bytes: number }[]>();

  /** True (and counted) when a record of `bytes` (data plus partition key) fits on `shard` at `now`. */
  admit(shard: string, bytes: number, limits: ShardLimits, now: number): boolean {
    let list = this.writes.get(shard);
    if (list === undefined) {
      list = [];
      this.writes.set(shard, list);
    }
    let expired = 0;
    while (expired < list.length && (list[expired]?.at ?? 0) <= now - WINDOW_MS) expired++;
    if (expired > 0) list.splice(0, expired);
    if (limits.recordsPerSecond > 0 && list.length >= limits.recordsPerSecond) return false;
    if (limits.bytesPerSecond > 0) {
      const used = list.reduce((sum, write) => sum + write.bytes, 0);
      // A record larger than the whole budget still goes through on an idle shard, as one second's worth.
      if (used > 0 && used + bytes > limits.bytesPerSecond) return false;
    }
    list.push({ at: now, bytes });
    return true;
  }

  /** Forgets every write. */
  reset(): void {
    this.writes.clear();
  }
}
