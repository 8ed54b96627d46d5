import type { SubscriptionMessage } from '../domain';

/** One shard of a Kinesis stream, as ListShards describes it. */
export interface ShardInfo {
  readonly shardId: string;
  readonly parentShardId?: string;
  readonly adjacentParentShardId?: string;
  /** The shard has an ending sequence number: resharding closed it, nothing new arrives on it. */
  readonly closed: boolean;
  /** The partition-key hashes the shard holds (absent when ListShards did not say). */
  readonly hashKeyRange?: HashKeyRange;
}

/** A shard's range of 128-bit MD5 partition-key hashes, both ends included, as decimal strings (as Kinesis gives them). */
export interface HashKeyRange {
  readonly startingHashKey: string;
  readonly endingHashKey: string;
}

/** A record read from a shard, decoded (gunzipped subscription payload). */
export interface ShardRecord {
  readonly sequenceNumber: string;
  /** ApproximateArrivalTimestamp, epoch ms. */
  readonly arrivedAt: number;
  /** The subscription payload, or undefined when the record is not one (then `malformed` says why). */
  readonly message: SubscriptionMessage | undefined;
  readonly malformed?: string;
}

/** One GetRecords answer. */
export interface ShardRead {
  readonly records: readonly ShardRecord[];
  /** Where to read next; undefined once a closed shard has been read to its end. */
  readonly nextIterator: string | undefined;
  readonly millisBehindLatest: number;
  /** Set when a closed shard has been read to its end: the shards that took over from it. */
  readonly childShardIds: readonly string[];
}

/**
 * Where CloudWatch's subscription delivers log events (a Kinesis Data Stream). Reads stay within
 * Kinesis's per-shard limits only if the caller paces them (5 GetRecords calls/s per shard, shared by
 * every consumer); errors are `DependencyError`s (an expired iterator: awsCode `ExpiredIteratorException`).
 */
export interface ShardSource {
  listShards(streamName: string): Promise<ShardInfo[]>;
  /**
   * An iterator just after `afterSequenceNumber`, or at the oldest record kept (TRIM_HORIZON) without one. A
   * sequence number past the stream's retention (trimmed) is refused: awsCode `InvalidArgumentException`.
   */
  iteratorAfter(streamName: string, shardId: string, afterSequenceNumber: string | undefined): Promise<string>;
  read(iterator: string, limit?: number): Promise<ShardRead>;
}
