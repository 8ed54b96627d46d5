import { Context } from '@temporalio/activity';
import type { LogStore, PushRegistry, ShardRead, ShardSource } from '../src/ports';
import { sleepHeartbeating } from './read-pacing';
import { RouteCache } from './route-cache';
import { ShardBatchWriter, type BatchCounts, type WriterFactory } from './shard-batch';
import { DEFAULT_SHARD_PACING, ShardPacer, type ShardPacingOptions } from './shard-pacing';
import { ShardTipsBook, type ShardTipsOptions } from './shard-tips';

/** Input of `forwardShard`. */
export interface ForwardShardInput {
  /** Kinesis stream name. */
  readonly streamName: string;
  readonly shardId: string;
  /** Sequence number of the last record whose events are all stored; undefined = from the oldest record kept. */
  readonly checkpoint?: string;
}

/** What one run of `forwardShard` ends with. */
export interface ForwardShardResult {
  /** Where the next run resumes (see `ForwardShardInput.checkpoint`). */
  readonly checkpoint?: string;
  /** The shard is closed and every record of it is stored. */
  readonly closed: boolean;
  /** The shards that took over from a closed one (empty while the shard is open). */
  readonly childShardIds: readonly string[];
}

/** What `forwardShard` heartbeats: the checkpoint it resumes from after a retry, and counts of this run. */
export interface ForwardShardProgress extends BatchCounts {
  readonly checkpoint?: string;
  readonly reads: number;
  readonly millisBehindLatest: number;
}

/** Dependencies of the shard consumer. */
export interface ForwardShardDeps {
  readonly shards: ShardSource;
  readonly registry: PushRegistry;
  readonly store: Pick<LogStore, 'getExecution'>;
  /** The pushed-log writer of one execution (kept per execution for the run: it remembers the log's tip). */
  readonly writerFor: WriterFactory;
  readonly pacing?: ShardPacingOptions;
  /** How long one run reads before it returns its checkpoint (the workflow then starts the next). Default 10 min. */
  readonly maxRunMs?: number;
  /** Which executions' tips the shard's tips item keeps (see `ShardTipsBook`). */
  readonly tips?: ShardTipsOptions;
  /** Shortest time between two progress reports (ms), default 1000. */
  readonly progressEveryMs?: number;
  /** Most records asked of one GetRecords call. */
  readonly readLimit?: number;
  /** How long a stream without a route stays unrouted before it is looked up again (ms). */
  readonly routeMissTtlMs?: number;
  /** Waits `ms`, rejecting when the activity is cancelled (default: the activity context's sleep). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

const DEFAULT_MAX_RUN_MS = 10 * 60_000;
// Iterators refused this many times in a row, each freshly taken after the checkpoint, are not an expiry.
const MAX_ITERATOR_REFUSALS = 3;

/**
 * The forwarder's consumer of one Kinesis shard: reads it from the checkpoint with paced GetRecords calls, stores
 * every routed execution's events through the pushed-log writer (which drops what is stored already, so replaying
 * records after a restart stores nothing twice), and only then moves the checkpoint and heartbeats it; a retried
 * attempt resumes from the last heartbeat's checkpoint. A failing dependency is waited out, never skipped. Reports
 * the shard's progress (`caughtUpTo`, `closed`) for the push drains. Returns after `maxRunMs`, or once a closed shard
 * is read to its end.
 */
export async function forwardShard(deps: ForwardShardDeps, input: ForwardShardInput): Promise<ForwardShardResult> {
  const context = Context.current();
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => context.sleep(ms));
  const { streamName, shardId } = input;
  const pacer = new ShardPacer(deps.pacing ?? DEFAULT_SHARD_PACING);
  const routes = new RouteCache({ registry: deps.registry, store: deps.store, now, missTtlMs: deps.routeMissTtlMs });
  const log = context.log;
  const batches = new ShardBatchWriter({
    shardId,
    routes,
    writerFor: deps.writerFor,
    pacer,
    wait: (ms) => sleepHeartbeating(sleep, heartbeat, ms),
    log,
  });
  const deadline = now() + (deps.maxRunMs ?? DEFAULT_MAX_RUN_MS);
  const progressEveryMs = deps.progressEveryMs ?? 1000;
  let checkpoint = resumedCheckpoint(context.info.heartbeatDetails) ?? input.checkpoint;
  let reads = 0;
  let behind = 0;
  let caughtUpTo = 0;
  let reportedCaughtUpTo = 0;
  let reportedAt = Number.NEGATIVE_INFINITY;
  function heartbeat(): void {
    context.heartbeat({ checkpoint, reads, millisBehindLatest: behind, ...batches.counts } as ForwardShardProgress);
  }
  const report = (closed: boolean) =>
    deps.registry.putShardProgress({ streamName, shardId, caughtUpTo, closed, updatedAt: now() });

  const tips = new ShardTipsBook(deps.tips);
  // Tips are hints for the tails (they still read the store now and then): a failed publication is retried next
  // round, never waited out.
  const publishTips = async (): Promise<void> => {
    if (!tips.dirty) return;
    try {
      await deps.registry.putShardTips({ streamName, shardId, tips: tips.take(now()), updatedAt: now() });
    } catch (error) {
      tips.failed();
      log.warn('shard tips publication failed', { streamName, shardId, error: String(error) });
    }
  };

  const tipsWriter = inBackground(publishTips);
  const progressWriter = inBackground(async () => {
    const reporting = caughtUpTo;
    try {
      await report(false);
      reportedCaughtUpTo = Math.max(reportedCaughtUpTo, reporting);
      reportedAt = now();
    } catch (error) {
      // Progress only delays seals while it is missing; the next read reports again.
      log.warn('shard progress report failed', { streamName, shardId, error: String(error) });
    }
  });

  let iterator: string | undefined;
  let refusals = 0;
  let nextReadAt = now();
  const consume = async (): Promise<ForwardShardResult> => {
    while (now() < deadline) {
      await sleepHeartbeating(sleep, heartbeat, Math.max(0, nextReadAt - now()));
      const startedAt = now();
      let read: ShardRead;
      try {
        iterator ??= await deps.shards.iteratorAfter(streamName, shardId, checkpoint);
        read = await deps.shards.read(iterator, deps.readLimit);
      } catch (error) {
        const e = error as { awsCode?: unknown; throttled?: unknown; retryable?: unknown };
        if (
          iterator !== undefined &&
          (e.awsCode === 'ExpiredIteratorException' || e.awsCode === 'InvalidArgumentException')
        ) {
          // An iterator lives five minutes: a long wait for a dependency outlives it. Take a new one after the checkpoint.
          if (++refusals > MAX_ITERATOR_REFUSALS) throw error;
          iterator = undefined;
          nextReadAt = startedAt + pacer.currentSpacingMs;
          continue;
        }
        if (e.throttled !== true && e.retryable !== true) throw error;
        const waitMs = e.throttled === true ? pacer.throttled() : pacer.failed();
        log.warn('shard read failed; backing off', { streamName, shardId, delayMs: waitMs, error: String(error) });
        nextReadAt = now() + waitMs;
        continue;
      }
      reads++;
      refusals = 0;
      behind = read.millisBehindLatest;
      const stored = await batches.store(read.records);
      for (const [executionId, lastIndex] of stored) tips.note(executionId, lastIndex, now());
      // The tips and the progress are written beside the next reads: a round waits for the store, not for them.
      tipsWriter.kick();
      const last = read.records.at(-1);
      if (last !== undefined) checkpoint = last.sequenceNumber;
      iterator = read.nextIterator;
      // Everything that arrived before this read started was in its answer or an earlier one, and is stored now.
      if (read.millisBehindLatest === 0 || iterator === undefined) caughtUpTo = Math.max(caughtUpTo, startedAt);
      heartbeat();
      if (iterator === undefined) {
        // The drains of executions on this shard wait for `closed`: it must be written before the run ends.
        await progressWriter.settle();
        await batches.retrying('report shard progress', () => report(true));
        // Nothing more will be stored from this shard: its tips item need not be read by the tails any longer.
        await tipsWriter.settle();
        tips.clear();
        await publishTips();
        log.info('closed shard read to its end', { streamName, shardId, children: read.childShardIds });
        return { checkpoint, closed: true, childShardIds: read.childShardIds };
      }
      if (caughtUpTo > reportedCaughtUpTo && now() - reportedAt >= progressEveryMs) progressWriter.kick();
      // The next read follows at the pace, not after a rest: a log stream's events reach Kinesis one record per
      // PutLogEvents call, so reading less often merges few appends, and costs each line the wait.
      nextReadAt = startedAt + pacer.succeeded(read.records.length > 0 || read.millisBehindLatest > 0);
    }
    await Promise.all([tipsWriter.settle(), progressWriter.settle()]);
    // One line per round (about ten minutes) says what the shard carried: the heartbeats hold the same counts live.
    log.info('shard forwarded for a round', { streamName, shardId, checkpoint, reads, ...batches.counts });
    return { checkpoint, closed: false, childShardIds: [] };
  };
  try {
    return await consume();
  } catch (error) {
    if (!isWorkerShutdown(error)) throw error;
    // The worker is stopping (a deploy, a restart): the round ends here with what is stored, so the workflow's next
    // round starts on another worker at once. A failed attempt would be retried too, but each one backs off longer.
    log.info('worker shutting down: shard round ends at its checkpoint', { streamName, shardId, checkpoint });
    return { checkpoint, closed: false, childShardIds: [] };
  }
}

/**
 * Runs `task` (which never rejects) in the background, one run at a time: a kick while it runs makes it run once more
 * afterwards, so the last state is always written and two writes never race each other.
 */
function inBackground(task: () => Promise<void>): { kick(): void; settle(): Promise<void> } {
  let running: Promise<void> | undefined;
  let again = false;
  const run = (): void => {
    running = task().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        run();
      }
    });
  };
  return {
    kick: () => {
      if (running) again = true;
      else run();
    },
    settle: async () => {
      while (running) await running;
    },
  };
}

/** The cancellation the SDK delivers to running activities when their worker shuts down. */
function isWorkerShutdown(error: unknown): boolean {
  const e = error as { name?: unknown; message?: unknown };
  return e?.name === 'CancelledFailure' && e.message === 'WORKER_SHUTDOWN';
}

/** The checkpoint a retried attempt's last heartbeat carried. */
function resumedCheckpoint(details: unknown): string | undefined {
  const checkpoint = (details as { checkpoint?: unknown } | undefined)?.checkpoint;
  return typeof checkpoint === 'string' && checkpoint !== '' ? checkpoint : undefined;
}
