import type { ShardLossWindow, ShardProgress, ShardTips, StreamRoute } from '../domain';

/** A log stream, by its group and name. */
export interface LogStreamRef {
  readonly logGroup: string;
  readonly logStream: string;
}

/**
 * What push ingest keeps beside the logs (DynamoDB in production, in the log table): which execution
 * each log stream belongs to, and how far the forwarder of each shard has got.
 */
export interface PushRegistry {
  /** Routes a log stream to an execution; idempotent (a stream already routed keeps its execution, which is returned). */
  putRoute(route: StreamRoute): Promise<StreamRoute>;
  /** The route of a log stream, if any. */
  getRoute(logGroup: string, logStream: string): Promise<StreamRoute | undefined>;
  /** The routes of several log streams, in the order asked (undefined: no route), in a few batch reads. */
  getRoutes(streams: readonly LogStreamRef[]): Promise<(StreamRoute | undefined)[]>;
  /**
   * Records a forwarder's progress on one shard, its checkpoint with it (progress only moves forward; a stale report
   * is ignored). The loss windows recorded are kept: `progress.lossWindows` is not written.
   */
  putShardProgress(progress: ShardProgress): Promise<void>;
  /** Adds a loss window to the shard's progress item (idempotent: a window is known by its `afterSequenceNumber`). */
  recordShardLoss(streamName: string, shardId: string, window: ShardLossWindow): Promise<void>;
  /** Progress of every shard of a Kinesis stream that has reported any, with its checkpoint and loss windows. */
  listShardProgress(streamName: string): Promise<ShardProgress[]>;
  /** Replaces the tips a shard's forwarder published before (see `ShardTips`). */
  putShardTips(tips: ShardTips): Promise<void>;
  /** The highest tip of each execution over every shard of a Kinesis stream (one read of a few items). */
  readTips(streamName: string): Promise<Map<string, number>>;
  /**
   * Says that someone waits for these executions' lines until `untilMs` (epoch ms): a tail, or the drain that seals
   * the log. The forwarders then store their events at once instead of holding them back to fill bigger chunks.
   */
  putWatches(streamName: string, executionIds: readonly string[], untilMs: number): Promise<void>;
  /** The executions watched at `nowMs` (see `putWatches`): one read of one partition. */
  readWatches(streamName: string, nowMs: number): Promise<Set<string>>;
}
