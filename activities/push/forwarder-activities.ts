import { Context } from '@temporalio/activity';
import {
  PushedLogWriter,
  type ChunkBatchReader,
  type LogStore,
  type PushRegistry,
  type ShardSource,
} from '../../src/ports';
import type { ForwarderDirectory } from '../../src/ports/forwarder-directory';
import { forwardShard, type ForwardShardDeps, type ForwardShardInput } from './shard-consumer';
import { sleepHeartbeating } from '../shared/read-pacing';
import { awaitParentShards, ensureForwarders } from './forwarder-starts';

export type { ForwardShardInput, ForwardShardProgress, ForwardShardResult } from './shard-consumer';
export { ensureForwarders } from './forwarder-starts';

/** What the forwarder's activities need from the process that hosts them. */
export interface ForwarderDeps {
  readonly shards: ShardSource;
  readonly registry: PushRegistry;
  readonly store: LogStore & ChunkBatchReader;
  readonly forwarders: ForwarderDirectory;
  /** Overrides of the shard consumer's timings (tests, benchmarks), and how it holds back events nobody waits for. */
  readonly consumer?: Pick<
    ForwardShardDeps,
    'pacing' | 'maxRunMs' | 'progressEveryMs' | 'readLimit' | 'routeMissTtlMs' | 'sleep' | 'now' | 'hold'
  >;
}

/** Builds the forwarder's activities (one forwarder workflow per Kinesis shard runs them) around their dependencies. */
export function createForwarderActivities(deps: ForwarderDeps) {
  const { shards, registry, store, forwarders } = deps;
  return {
    forwardShard: (input: ForwardShardInput) =>
      forwardShard(
        {
          shards,
          registry,
          store,
          // Most executions a forwarder meets are new: their first append goes straight to index 1.
          writerFor: (target) => new PushedLogWriter(store, { ...target, startEmpty: true }),
          ...deps.consumer,
        },
        input,
      ),
    /** Starts the forwarders of the stream's shards that have none (a closed shard's children among them). */
    startShardForwarders: async (input: { streamName: string }): Promise<void> => {
      await ensureForwarders({ shards, forwarders }, input.streamName);
    },
    awaitParentShards: (input: { streamName: string; shardId: string }): Promise<void> => {
      const context = Context.current();
      const sleep = deps.consumer?.sleep ?? ((ms: number) => context.sleep(ms));
      return awaitParentShards({ shards, forwarders }, input, {
        wait: (ms) => sleepHeartbeating(sleep, () => context.heartbeat(), ms),
      });
    },
  };
}
