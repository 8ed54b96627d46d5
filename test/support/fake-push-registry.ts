// An in-memory PushRegistry with the DynamoDB adapter's conditions, failure injection and call counting.
import {
  InvalidInputError,
  mergeShardTips,
  type ShardLossWindow,
  type ShardProgress,
  type ShardTips,
  type StreamRoute,
} from '../../src/domain';
import { DependencyError, type LogStreamRef, type PushRegistry } from '../../src/ports';
import { FailureSchedule, noLatency } from './fake-failures';

/** Operations of the in-memory push registry, for counting and failure injection. */
export type RegistryOperation =
  | 'putRoute'
  | 'getRoute'
  | 'getRoutes'
  | 'putShardProgress'
  | 'recordShardLoss'
  | 'listShardProgress'
  | 'putShardTips'
  | 'readTips'
  | 'putWatches'
  | 'readWatches';

/** Options of the in-memory push registry. */
export interface InMemoryPushRegistryOptions {
  /** Clock used for route expiry (epoch ms), like the adapter's `now`. */
  readonly now?: () => number;
  /** Awaited at the start of every operation, e.g. `jitter(seed)`. */
  readonly latency?: () => Promise<void>;
}

/**
 * An in-memory `PushRegistry` as strict as the DynamoDB adapter: the first route of a stream wins (an
 * expired one is gone), progress only moves forward (caughtUpTo never back, closed stays closed; a
 * stale report is ignored), empty names and non-integer times are refused, and everything returned is
 * a copy; progress reports keep the loss windows recorded, and a loss window is recorded once.
 * `expireRoute` plays the seal giving a route its expiry.
 */
export class InMemoryPushRegistry implements PushRegistry {
  /** Calls per operation. */
  readonly calls: Record<RegistryOperation, number> = {
    putRoute: 0,
    getRoute: 0,
    getRoutes: 0,
    putShardProgress: 0,
    recordShardLoss: 0,
    listShardProgress: 0,
    putShardTips: 0,
    readTips: 0,
    putWatches: 0,
    readWatches: 0,
  };
  /** Kinesis stream → execution → end of its watch (epoch ms). */
  private readonly watches = new Map<string, Map<string, number>>();
  private readonly routes = new Map<string, { route: StreamRoute; expiresAt: number | undefined }>();
  private readonly progress = new Map<string, Map<string, ShardProgress>>();
  private readonly tips = new Map<string, Map<string, ReadonlyMap<string, number>>>();
  private readonly failures = new FailureSchedule<RegistryOperation>();
  private readonly now: () => number;
  private readonly latency: () => Promise<void>;

  constructor(options: InMemoryPushRegistryOptions = {}) {
    this.now = options.now ?? Date.now;
    this.latency = options.latency ?? noLatency;
  }

  /** The next `count` calls of `operation` (after letting `after` through) throw a retryable DependencyError. */
  failNext(operation: RegistryOperation, count = 1, after = 0): void {
    this.failures.add(operation, {
      after,
      count,
      error: () => new DependencyError('dynamodb', operation, new Error('injected failure')),
      applied: false,
    });
  }

  /** Gives a route the expiry (epoch seconds) its execution's seal gives it. */
  expireRoute(logGroup: string, logStream: string, expiresAt: number): void {
    const held = this.routes.get(key(logGroup, logStream));
    if (held) held.expiresAt = expiresAt;
  }

  async putRoute(route: StreamRoute): Promise<StreamRoute> {
    await this.enter('putRoute');
    for (const field of ['logGroup', 'logStream', 'executionId'] as const) {
      if (typeof route[field] !== 'string' || route[field].length === 0) {
        throw new InvalidInputError(field, `route: ${field} must be a non-empty string`);
      }
    }
    const held = this.visibleRoute(route.logGroup, route.logStream);
    if (held) return { ...held };
    const copy = { logGroup: route.logGroup, logStream: route.logStream, executionId: route.executionId };
    this.routes.set(key(route.logGroup, route.logStream), { route: copy, expiresAt: undefined });
    return { ...copy };
  }

  async getRoute(logGroup: string, logStream: string): Promise<StreamRoute | undefined> {
    await this.enter('getRoute');
    const held = this.visibleRoute(logGroup, logStream);
    return held ? { ...held } : undefined;
  }

  async getRoutes(streams: readonly LogStreamRef[]): Promise<(StreamRoute | undefined)[]> {
    await this.enter('getRoutes');
    return streams.map(({ logGroup, logStream }) => {
      const held = this.visibleRoute(logGroup, logStream);
      return held ? { ...held } : undefined;
    });
  }

  async putShardProgress(progress: ShardProgress): Promise<void> {
    await this.enter('putShardProgress');
    if (progress.streamName.length === 0 || progress.shardId.length === 0) {
      throw new InvalidInputError('shardId', 'shard progress: streamName and shardId must be non-empty strings');
    }
    for (const field of ['caughtUpTo', 'updatedAt'] as const) {
      if (!Number.isSafeInteger(progress[field]) || progress[field] < 0) {
        throw new InvalidInputError(field, `shard progress: ${field} must be epoch milliseconds`);
      }
    }
    if (progress.checkpoint !== undefined && !/^\d+$/.test(progress.checkpoint)) {
      throw new InvalidInputError('checkpoint', 'shard progress: checkpoint must be a sequence number');
    }
    for (const field of ['checkpointAt', 'readUpTo', 'watchesAsOf'] as const) {
      const at = progress[field];
      if (at !== undefined && (!Number.isSafeInteger(at) || at < 0)) {
        throw new InvalidInputError(field, `shard progress: ${field} must be epoch milliseconds`);
      }
    }
    const held = this.shardsOf(progress.streamName).get(progress.shardId);
    if (held && progress.closed && !held.closed && progress.caughtUpTo < held.caughtUpTo) {
      // Closing is final whatever the point of the report: the shard closes and keeps its point.
      this.shardsOf(progress.streamName).set(progress.shardId, {
        ...held,
        closed: true,
        updatedAt: progress.updatedAt,
      });
      return;
    }
    if (held && (progress.caughtUpTo < held.caughtUpTo || (held.closed && !progress.closed))) return;
    // The adapter updates the item: the loss windows stay, and so does the checkpoint of a report without one.
    const reported: ShardProgress = { ...progress };
    delete (reported as { lossWindows?: unknown }).lossWindows;
    this.shardsOf(progress.streamName).set(progress.shardId, {
      ...reported,
      ...(progress.checkpoint === undefined && held?.checkpoint !== undefined
        ? { checkpoint: held.checkpoint, checkpointAt: held.checkpointAt ?? 0 }
        : {}),
      ...(progress.checkpoint !== undefined ? { checkpointAt: progress.checkpointAt ?? 0 } : {}),
      ...(held?.lossWindows === undefined ? {} : { lossWindows: held.lossWindows }),
      ...(progress.readUpTo === undefined && held?.readUpTo !== undefined && held.watchesAsOf !== undefined
        ? { readUpTo: held.readUpTo, watchesAsOf: held.watchesAsOf }
        : {}),
    });
  }

  async recordShardLoss(streamName: string, shardId: string, window: ShardLossWindow): Promise<void> {
    await this.enter('recordShardLoss');
    if (streamName.length === 0 || shardId.length === 0 || !/^\d+$/.test(window.afterSequenceNumber)) {
      throw new InvalidInputError('shardId', 'loss window: names must be non-empty, the checkpoint a sequence number');
    }
    for (const field of ['from', 'to', 'detectedAt'] as const) {
      if (!Number.isSafeInteger(window[field]) || window[field] < 0) {
        throw new InvalidInputError(field, `loss window: ${field} must be epoch milliseconds`);
      }
    }
    const held = this.shardsOf(streamName).get(shardId) ?? {
      streamName,
      shardId,
      caughtUpTo: 0,
      closed: false,
      updatedAt: window.detectedAt,
    };
    const windows = held.lossWindows ?? [];
    if (windows.some((w) => w.afterSequenceNumber === window.afterSequenceNumber)) return;
    this.shardsOf(streamName).set(shardId, { ...held, lossWindows: [...windows, { ...window }] });
  }

  async listShardProgress(streamName: string): Promise<ShardProgress[]> {
    await this.enter('listShardProgress');
    return [...(this.progress.get(streamName)?.values() ?? [])].map((progress) => ({
      ...progress,
      ...(progress.lossWindows === undefined ? {} : { lossWindows: progress.lossWindows.map((w) => ({ ...w })) }),
    }));
  }

  async putShardTips(tips: ShardTips): Promise<void> {
    await this.enter('putShardTips');
    if (tips.streamName.length === 0 || tips.shardId.length === 0) {
      throw new InvalidInputError('shardId', 'shard tips: streamName and shardId must be non-empty strings');
    }
    for (const [executionId, last] of tips.tips) {
      if (executionId.length === 0 || !Number.isSafeInteger(last) || last < 0) {
        throw new InvalidInputError('tips', 'shard tips: each tip is an execution id and a non-negative index');
      }
    }
    const shards = this.tips.get(tips.streamName) ?? new Map<string, ReadonlyMap<string, number>>();
    this.tips.set(tips.streamName, shards);
    shards.set(tips.shardId, new Map(tips.tips));
  }

  async readTips(streamName: string): Promise<Map<string, number>> {
    await this.enter('readTips');
    return mergeShardTips(this.tips.get(streamName)?.values() ?? []);
  }

  async putWatches(streamName: string, executionIds: readonly string[], untilMs: number): Promise<void> {
    await this.enter('putWatches');
    if (!Number.isSafeInteger(untilMs) || untilMs < 0) {
      throw new InvalidInputError('untilMs', 'watch: untilMs must be epoch milliseconds');
    }
    if (executionIds.some((id) => id === '')) {
      throw new InvalidInputError('executionId', 'watch: execution ids must be non-empty');
    }
    const watches = this.watches.get(streamName) ?? new Map<string, number>();
    for (const id of executionIds) watches.set(id, untilMs);
    this.watches.set(streamName, watches);
  }

  async readWatches(streamName: string, nowMs: number): Promise<Set<string>> {
    await this.enter('readWatches');
    return new Set([...(this.watches.get(streamName) ?? [])].filter(([, until]) => until > nowMs).map(([id]) => id));
  }

  private shardsOf(streamName: string): Map<string, ShardProgress> {
    const shards = this.progress.get(streamName) ?? new Map<string, ShardProgress>();
    this.progress.set(streamName, shards);
    return shards;
  }

  private visibleRoute(logGroup: string, logStream: string): StreamRoute | undefined {
    const held = this.routes.get(key(logGroup, logStream));
    if (!held || (held.expiresAt !== undefined && held.expiresAt * 1000 < this.now())) return undefined;
    return held.route;
  }

  private async enter(operation: RegistryOperation): Promise<void> {
    this.calls[operation]++;
    await this.latency();
    const failure = this.failures.take(operation);
    if (failure) throw failure.error();
  }
}

function key(logGroup: string, logStream: string): string {
  return JSON.stringify([logGroup, logStream]);
}
