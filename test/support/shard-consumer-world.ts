// The world of the shard consumer's unit tests: a fake Kinesis shard, a log store and a registry, on a fake clock.
import { MockActivityEnvironment, type MockActivityEnvironmentOptions } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import {
  forwardShard,
  type ForwardShardDeps,
  type ForwardShardProgress,
  type ForwardShardResult,
} from '../../activities/push/shard-consumer';
import {
  mergeShardTips,
  type ShardLossWindow,
  type ShardProgress,
  type ShardTips,
  type StreamRoute,
  type SubscriptionEvent,
} from '../../src/domain';
import { PushedLogWriter, type LogStreamRef, type PushRegistry } from '../../src/ports';
import { InMemoryLogStore, seededRandom } from './fakes';
import { InMemoryShardSource, kinesisError } from './fake-shard-source';

// The consumer's waits go through an injected sleep that advances a fake clock and returns at once: tests check what
// it stores, the calls it makes and the times (on that clock) it makes them, never wall time. A run ends when the
// fake clock passes its maxRunMs, or when the test's sleep hook throws.

export const STREAM = 'logstream-log-events';
export const SHARD = 'shardId-000000000000';
export const GROUP = '/logstream/executions';
export const START = 1_700_000_000_000;
// The consumer logs every retry and skip; the tests check counts and the store instead.
export const QUIET = { logger: new DefaultLogger('ERROR') };
export const EXPIRES = START / 1000 + 7 * 86_400;

/** A registry with DynamoDB's conditions: the first route of a stream wins; progress only moves forward. */
export class MapRegistry implements PushRegistry {
  readonly routeLookups: string[] = [];
  readonly reports: ShardProgress[] = [];
  private readonly routes = new Map<string, StreamRoute>();
  private readonly progress = new Map<string, ShardProgress>();
  failRouteLookups = 0;

  async putRoute(route: StreamRoute): Promise<StreamRoute> {
    const key = `${route.logGroup}\u0000${route.logStream}`;
    const existing = this.routes.get(key);
    if (existing) return existing;
    this.routes.set(key, { ...route });
    return route;
  }

  async getRoute(logGroup: string, logStream: string): Promise<StreamRoute | undefined> {
    this.routeLookups.push(logStream);
    if (this.failRouteLookups > 0) {
      this.failRouteLookups--;
      throw kinesisError('GetItem', 'InternalServerError', true);
    }
    return this.routes.get(`${logGroup}\u0000${logStream}`);
  }

  /** One batch: each stream counts as a lookup, and a failing lookup fails the whole batch. */
  async getRoutes(streams: readonly LogStreamRef[]): Promise<(StreamRoute | undefined)[]> {
    this.routeLookups.push(...streams.map((stream) => stream.logStream));
    if (this.failRouteLookups > 0) {
      this.failRouteLookups--;
      throw kinesisError('BatchGetItem', 'InternalServerError', true);
    }
    return streams.map((stream) => this.routes.get(`${stream.logGroup}\u0000${stream.logStream}`));
  }

  readonly tips = new Map<string, ReadonlyMap<string, number>>();

  async putShardTips(tips: ShardTips): Promise<void> {
    this.tips.set(tips.shardId, new Map(tips.tips));
  }

  async readTips(): Promise<Map<string, number>> {
    return mergeShardTips(this.tips.values());
  }

  /** Execution → end of its watch (epoch ms). */
  readonly watches = new Map<string, number>();

  async putWatches(_streamName: string, executionIds: readonly string[], untilMs: number): Promise<void> {
    for (const id of executionIds) this.watches.set(id, untilMs);
  }

  async readWatches(_streamName: string, nowMs: number): Promise<Set<string>> {
    return new Set([...this.watches].filter(([, until]) => until > nowMs).map(([id]) => id));
  }

  async putShardProgress(progress: ShardProgress): Promise<void> {
    this.reports.push(progress);
    const key = `${progress.streamName}\u0000${progress.shardId}`;
    const old = this.progress.get(key);
    if (old && (old.closed || old.caughtUpTo > progress.caughtUpTo)) return;
    this.progress.set(key, progress);
  }

  readonly losses: ShardLossWindow[] = [];

  async recordShardLoss(_streamName: string, _shardId: string, window: ShardLossWindow): Promise<void> {
    if (!this.losses.some((w) => w.afterSequenceNumber === window.afterSequenceNumber)) this.losses.push(window);
  }

  async listShardProgress(streamName: string): Promise<ShardProgress[]> {
    return [...this.progress.values()].filter((p) => p.streamName === streamName);
  }
}

export interface World {
  readonly source: InMemoryShardSource;
  readonly store: InMemoryLogStore;
  readonly registry: MapRegistry;
  readonly clock: { now: number };
}

export function world(): World {
  const clock = { now: START };
  const now = () => clock.now;
  const source = new InMemoryShardSource({ now, streamName: STREAM });
  source.addShard(SHARD);
  return { source, store: new InMemoryLogStore({ now }), registry: new MapRegistry(), clock };
}

export async function register(w: World, executionId: string, streams: string[]): Promise<void> {
  await w.store.registerExecution({
    executionId,
    location: { logGroup: GROUP, logStreams: streams },
    startedAt: w.clock.now,
    ingest: 'push',
  });
  for (const logStream of streams) await w.registry.putRoute({ logGroup: GROUP, logStream, executionId });
}

let nextId = 1;
/** Events with CloudWatch-like ids (unique across the test file). */
export function events(prefix: string, from: number, count: number, timestamp = START): SubscriptionEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: String(36_000_000_000_000_000_000_000_000n + BigInt(nextId++)),
    timestamp,
    message: `${prefix} ${from + i}`,
  }));
}

export const lines = (prefix: string, from: number, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix} ${from + i}`);

export interface Run {
  readonly result: Promise<ForwardShardResult>;
  readonly heartbeats: ForwardShardProgress[];
}

export function run(
  w: World,
  options: {
    shardId?: string;
    checkpoint?: string;
    heartbeatDetails?: unknown;
    maxRunMs?: number;
    /** Called after every sleep (the clock already advanced); may add records or throw to end the run. */
    onSleep?: (now: number) => void;
    deps?: Partial<ForwardShardDeps>;
    /** The activity's environment (logger, metric meter); default: errors only, no metrics. */
    environment?: MockActivityEnvironmentOptions;
  } = {},
): Run {
  const env = new MockActivityEnvironment(
    options.heartbeatDetails === undefined ? undefined : { heartbeatDetails: options.heartbeatDetails },
    options.environment ?? QUIET,
  );
  const heartbeats: ForwardShardProgress[] = [];
  env.on('heartbeat', (details: ForwardShardProgress) => heartbeats.push(details));
  const deps: ForwardShardDeps = {
    shards: w.source,
    registry: w.registry,
    store: w.store,
    writerFor: (target) => new PushedLogWriter(w.store, target),
    pacing: {
      busyMs: 250,
      idleMs: 1000,
      throttledMaxMs: 4000,
      backoffBaseMs: 250,
      backoffMaxMs: 30_000,
      random: seededRandom(7),
    },
    maxRunMs: options.maxRunMs ?? 30_000,
    now: () => w.clock.now,
    sleep: async (ms) => {
      w.clock.now += ms;
      options.onSleep?.(w.clock.now);
    },
    ...options.deps,
  };
  const input = {
    streamName: STREAM,
    shardId: options.shardId ?? SHARD,
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
  };
  return { result: env.run(forwardShard, deps, input) as Promise<ForwardShardResult>, heartbeats };
}

export const messages = (w: World, executionId: string): string[] => w.store.events(executionId).map((e) => e.message);

export function expectDense(w: World, executionId: string): void {
  expect(w.store.events(executionId).map((e) => e.index)).toEqual(
    Array.from({ length: w.store.events(executionId).length }, (_, i) => i + 1),
  );
}
