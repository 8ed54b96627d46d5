// An in-memory PushRegistry with the DynamoDB adapter's conditions, failure injection and call counting.
import {
  InvalidInputError,
  mergeShardTips,
  type ShardProgress,
  type ShardTips,
  type StreamRoute,
} from '../../src/domain';
import { DependencyError, type PushRegistry } from '../../src/ports';
import { FailureSchedule, noLatency } from './fake-failures';

/** Operations of the in-memory push registry, for counting and failure injection. */
export type RegistryOperation =
  'putRoute' | 'getRoute' | 'putShardProgress' | 'listShardProgress' | 'putShardTips' | 'readTips';

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
 * a copy. `expireRoute` plays the seal giving a route its expiry.
 */
export class InMemoryPushRegistry implements PushRegistry {
  /** Calls per operation. */
  readonly calls: Record<RegistryOperation, number> = {
    putRoute: 0,
    getRoute: 0,
    putShardProgress: 0,
    listShardProgress: 0,
    putShardTips: 0,
    readTips: 0,
  };
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
    const shards = this.progress.get(progress.streamName) ?? new Map<string, ShardProgress>();
    this.progress.set(progress.streamName, shards);
    const held = shards.get(progress.shardId);
    if (held && (progress.caughtUpTo < held.caughtUpTo || (held.closed && !progress.closed))) return;
    shards.set(progress.shardId, { ...progress });
  }

  async listShardProgress(streamName: string): Promise<ShardProgress[]> {
    await this.enter('listShardProgress');
    return [...(this.progress.get(streamName)?.values() ?? [])].map((progress) => ({ ...progress }));
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
