import {
  ActivityFailure,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { createForwarderActivities } from '../activities/push/forwarder-activities';

type Activities = ReturnType<typeof createForwarderActivities>;

/** Workflow type name of the shard forwarder. */
export const FORWARDER_WORKFLOW_TYPE = 'shardForwarderWorkflow';

/** The forwarder of a shard has this workflow id: one per shard, however many workers start it. */
export function forwarderWorkflowId(streamName: string, shardId: string): string {
  return `logstream-forwarder:${streamName}:${shardId}`;
}

/**
 * The task queue the forwarders of a Kinesis stream run on: one per stream, not logstream's execution queue, so any
 * worker that runs forwarders serves them whatever its own queue, and they never wait behind execution activities.
 */
export function forwarderTaskQueue(streamName: string): string {
  return `logstream-forwarders:${streamName}`;
}

/** Input of `shardForwarderWorkflow`. */
export interface ShardForwarderInput {
  /** Kinesis stream name. */
  readonly streamName: string;
  readonly shardId: string;
  /** Sequence number of the last record whose events are all stored (carried across continue-as-new). */
  readonly checkpoint?: string;
  /** The shard's parents are known to be read to their end (a continued run does not wait for them again). */
  readonly parentsDone?: boolean;
  /** Consumer runs before the workflow continues as new (default 50; Temporal may suggest it earlier). */
  readonly roundsPerRun?: number;
  /** How long the forwarder rests after a round failed for good before a new run tries again (default 5 minutes). */
  readonly pauseAfterFailure?: Duration;
}

/** Result of `shardForwarderWorkflow`: its shard was closed (resharding) and read to its end. */
export interface ShardForwarderResult {
  readonly streamName: string;
  readonly shardId: string;
  readonly checkpoint?: string;
  readonly childShardIds: readonly string[];
}

const DEFAULT_ROUNDS_PER_RUN = 50;
const DEFAULT_PAUSE_AFTER_FAILURE: Duration = '5 minutes';
/** Marks histories in which a round failed for good makes the forwarder rest instead of failing. */
const PAUSE_AFTER_FAILURE_PATCH = 'forwarder-pause-after-permanent-failure';

/**
 * Forwards one Kinesis shard into the log store for as long as the shard is open: runs the heartbeating consumer
 * activity round after round (each round returns its checkpoint after a bounded time; a lost worker's round is
 * retried from its last heartbeat's checkpoint), and continues as new before its history grows large, carrying the
 * checkpoint. A child shard is read only once its parents are read to their end, so each log stream stays in order
 * across resharding. When its shard is closed and read to its end, it makes sure the children are forwarded and ends.
 * A round that failed for good (see below) is followed by a rest, then a new run from the same checkpoint.
 */
export async function shardForwarderWorkflow(input: ShardForwarderInput): Promise<ShardForwarderResult> {
  const { streamName, shardId } = input;
  const { forwardShard } = proxyActivities<Activities>({
    summary: `forward ${streamName}/${shardId}`,
    // A round returns after about ten minutes; a round held up by a failing store outlives it, heartbeating.
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: '20s',
    // Retried forever, and soon: while it waits, every push execution on its shard waits too.
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
  });
  const { awaitParentShards, startShardForwarders } = proxyActivities<Activities>({
    startToCloseTimeout: '1 day',
    heartbeatTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });

  if (input.parentsDone !== true) await awaitParentShards({ streamName, shardId });
  let checkpoint = input.checkpoint;
  const rounds = input.roundsPerRun ?? DEFAULT_ROUNDS_PER_RUN;
  const next = (): ShardForwarderInput => ({
    streamName,
    shardId,
    ...(checkpoint === undefined ? {} : { checkpoint }),
    parentsDone: true,
    ...(input.roundsPerRun === undefined ? {} : { roundsPerRun: input.roundsPerRun }),
    ...(input.pauseAfterFailure === undefined ? {} : { pauseAfterFailure: input.pauseAfterFailure }),
  });
  for (let round = 1; ; round++) {
    let result: Awaited<ReturnType<typeof forwardShard>>;
    try {
      result = await forwardShard({ streamName, shardId, ...(checkpoint === undefined ? {} : { checkpoint }) });
    } catch (error) {
      // The round is retried without limit, so it fails only when its activity says retrying cannot help
      // (SHARD_FORWARDING_FAILED: a deleted stream, denied access, a malformed stored chunk), logged and counted there.
      // Failing the workflow would not stop anything: the workers start a failed forwarder again every five minutes,
      // and a child waiting for this shard restarts it within seconds, a spin. Instead it stays running (nobody
      // restarts it), rests, and a new run tries from the checkpoint: if the cause was mended, forwarding resumes by
      // itself. The failure stays in the history, visible in the UI. Older histories failed here: the patch keeps them.
      if (!(error instanceof ActivityFailure) || isCancellation(error) || !patched(PAUSE_AFTER_FAILURE_PATCH)) {
        throw error;
      }
      log.error('shard round failed for good; trying again after a rest', {
        streamName,
        shardId,
        error: String(error.cause ?? error),
      });
      await sleep(input.pauseAfterFailure ?? DEFAULT_PAUSE_AFTER_FAILURE);
      return await continueAsNew<typeof shardForwarderWorkflow>(next());
    }
    checkpoint = result.checkpoint ?? checkpoint;
    if (result.closed) {
      // The children wait for this workflow to complete before they read: start them, then end.
      await startShardForwarders({ streamName });
      log.info('shard closed and forwarded to its end', { streamName, shardId, children: result.childShardIds });
      return { streamName, shardId, checkpoint, childShardIds: result.childShardIds };
    }
    if (round >= rounds || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof shardForwarderWorkflow>(next());
    }
  }
}
