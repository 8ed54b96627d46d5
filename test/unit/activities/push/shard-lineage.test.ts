import { forwardersPast } from '../../../../activities/push/push-proof';
import { logStreamHashKey, shardsHolding } from '../../../../activities/push/shard-lineage';
import type { ShardProgress } from '../../../../src/domain';
import type { ShardInfo } from '../../../../src/ports';

// Which shards a seal waits for: those that can hold its execution's log streams (Kinesis files a record under
// MD5(partition key) in the shard whose HashKeyRange covers it; ByLogStream makes the stream's name the key).

const MAX = 2n ** 128n - 1n;
const HALF = MAX / 2n;
const range = (from: bigint, to: bigint) => ({ startingHashKey: String(from), endingHashKey: String(to) });
const LOW = range(0n, HALF);
const HIGH = range(HALF + 1n, MAX);
const ALL = range(0n, MAX);

function shard(shardId: string, hashKeyRange: ShardInfo['hashKeyRange'], more: Partial<ShardInfo> = {}): ShardInfo {
  return { shardId, closed: false, ...(hashKeyRange ? { hashKeyRange } : {}), ...more };
}

/** A log stream name whose hash key falls in the lower (or upper) half of the key space. */
function streamIn(half: 'low' | 'high', tag: string): string {
  for (let i = 0; ; i++) {
    const name = `${tag}/job-${i}`;
    const key = logStreamHashKey(name) ?? -1n;
    if ((half === 'low') === key <= HALF) return name;
  }
}

const ids = (shards: readonly ShardInfo[] | undefined) => shards?.map((s) => s.shardId).sort();
const progress = (shardId: string, caughtUpTo: number, closed = false): ShardProgress => ({
  streamName: 's',
  shardId,
  caughtUpTo,
  closed,
  updatedAt: caughtUpTo,
});

describe('shard lineage', () => {
  test('the hash key of a stream is MD5 of its name as a 128-bit unsigned integer', () => {
    // MD5("a") = 0cc175b9c0f1b6a831c399e269772661.
    expect(logStreamHashKey('a')).toBe(0x0cc175b9c0f1b6a831c399e269772661n);
    expect(logStreamHashKey('中'.repeat(256))).toBeDefined();
    // Not a partition key as it is: Kinesis takes at most 256 characters.
    expect(logStreamHashKey('x'.repeat(257))).toBeUndefined();
    expect(logStreamHashKey('')).toBeUndefined();
  });

  test('one slow shard no longer holds the seal of an execution whose streams are all on another', () => {
    const shards = [shard('shard-0', LOW), shard('shard-1', HIGH)];
    const reports = [progress('shard-0', 2000), progress('shard-1', 10)];
    const low = [streamIn('low', 'a'), streamIn('low', 'b')];
    expect(ids(shardsHolding(shards, low))).toEqual(['shard-0']);
    expect(forwardersPast(shards, reports, 1000, low)).toEqual({ done: true, behind: [] });
    // An execution with a stream on the slow shard still waits for it, and so does a caller naming no stream.
    expect(forwardersPast(shards, reports, 1000, [...low, streamIn('high', 'c')])).toEqual({
      done: false,
      behind: ['shard-1'],
    });
    expect(forwardersPast(shards, reports, 1000)).toEqual({ done: false, behind: ['shard-1'] });
  });

  test('after a split, the open child and its closed parent still listed; the other child is not waited for', () => {
    const shards = [
      shard('parent', ALL, { closed: true }),
      shard('child-low', LOW, { parentShardId: 'parent' }),
      shard('child-high', HIGH, { parentShardId: 'parent' }),
    ];
    const stream = [streamIn('low', 'split')];
    expect(ids(shardsHolding(shards, stream))).toEqual(['child-low', 'parent']);
    const reports = [progress('parent', 0), progress('child-low', 2000), progress('child-high', 0)];
    expect(forwardersPast(shards, reports, 1000, stream)).toEqual({ done: false, behind: ['parent'] });
    reports[0] = progress('parent', 0, true);
    expect(forwardersPast(shards, reports, 1000, stream)).toEqual({ done: true, behind: [] });
  });

  test("after a merge, each stream's own parent: two streams of one child reach both parents", () => {
    const shards = [
      shard('parent-low', LOW, { closed: true }),
      shard('parent-high', HIGH, { closed: true }),
      shard('merged', ALL, { parentShardId: 'parent-low', adjacentParentShardId: 'parent-high' }),
    ];
    expect(ids(shardsHolding(shards, [streamIn('high', 'm')]))).toEqual(['merged', 'parent-high']);
    expect(ids(shardsHolding(shards, [streamIn('low', 'm'), streamIn('high', 'm')]))).toEqual([
      'merged',
      'parent-high',
      'parent-low',
    ]);
  });

  test('whatever cannot be told falls back to every shard', () => {
    const stream = [streamIn('low', 'f')];
    // A shard listed without its range.
    expect(shardsHolding([shard('a', LOW), shard('b', undefined)], stream)).toBeUndefined();
    // A stream name that is not its partition key as it is.
    expect(shardsHolding([shard('a', LOW), shard('b', HIGH)], ['x'.repeat(300)])).toBeUndefined();
    // No open shard covers the key (a gap in what ListShards gave).
    expect(shardsHolding([shard('a', HIGH)], stream)).toBeUndefined();
    expect(shardsHolding([shard('a', LOW)], [])).toBeUndefined();
    const shards = [shard('a', LOW), shard('b', undefined)];
    expect(forwardersPast(shards, [progress('a', 2000)], 1000, stream)).toEqual({ done: false, behind: ['b'] });
    // No shard listed at all proves nothing.
    expect(forwardersPast([], [], 1000, stream)).toEqual({ done: false, behind: [] });
  });
});
