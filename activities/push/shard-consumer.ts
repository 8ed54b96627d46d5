import { Context } from '@temporalio/activity';
import { failureCode, failureKind, isRetryableFailure } from '../../src/domain';
import type { ChunkBatchReader, LogStore, PushRegistry, ShardRead, ShardSource } from '../../src/ports';
import { inBackground } from '../shared/in-background';
import { sleepHeartbeating } from '../shared/read-pacing';
import { RouteCache } from './route-cache';
import { ShardBatchWriter, type BatchCounts, type WriterFactory } from './shard-batch';
import { DEFAULT_SHARD_PACING, ShardPacer, type ShardPacingOptions } from './shard-pacing';
import { isWorkerShutdown, shardForwardingFailure } from './shard-failure';
import { closeLossWindow, shardStart, type Checkpoint, type PendingLoss } from './shard-resume';
import { ShardTipsBook, type ShardTipsOptions } from './shard-tips';
import { WatchBook } from './shard-watches';

/** Input of `forwardShard`. */
export interface ForwardShardInput {
  /** Kinesis stream name. */
  readonly streamName: string;
  readonly shardId: string;
  /**
   * Sequence number of the last record whose events are all stored; undefined = from the one kept in the shard's
   * progress item, else from the oldest record kept.
   */
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
  /** Arrival time (epoch ms) of the checkpoint's record, when known. */
  readonly checkpointAt?: number;
  readonly reads: number;
  readonly millisBehindLatest: number;
}

/** Dependencies of the shard consumer. */
export interface ForwardShardDeps {
  readonly shards: ShardSource;
  readonly registry: PushRegistry;
  readonly store: Pick<LogStore, 'getExecution'> & Pick<ChunkBatchReader, 'recordsOf'>;
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
  /** Holding back the events of executions nobody waits for, to store them in bigger chunks (default: none). */
  readonly hold?: ShardHoldOptions;
  /** Waits `ms`, rejecting when the activity is cancelled (default: the activity context's sleep). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** How a shard consumer holds back events nobody waits for (see `HoldPolicy`). */
export interface ShardHoldOptions {
  /** Longest an event is held (ms); 0 holds nothing. */
  readonly holdMs: number;
  /** An execution's events are stored once this many bytes of messages wait (default 64 KB). */
  readonly maxBytes?: number;
  /** The oldest held executions are stored while more than this many bytes wait in all (default 32 MB). */
  readonly maxTotalBytes?: number;
  /** How often the watched executions are read (ms, default 1000). */
  readonly watchEveryMs?: number;
}

const DEFAULT_HOLD_BYTES = 64 * 1024;

const DEFAULT_MAX_RUN_MS = 10 * 60_000;
// Iterators refused this many times in a row, each freshly taken after the checkpoint, are not an expiry.
const MAX_ITERATOR_REFUSALS = 3;

/**
 * The forwarder's consumer of one Kinesis shard: reads it from the checkpoint with paced GetRecords calls, stores
 * every routed execution's events through the pushed-log writer (which drops what is stored already, so replaying
 * records after a restart stores nothing twice), and only then moves the checkpoint and heartbeats it; a retried
 * attempt resumes from the last heartbeat's checkpoint, a new forwarder (after a termination) from the one in the
 * shard's progress item, whichever is newer. A checkpoint Kinesis trimmed (past retention) is resumed from the oldest
 * record kept, and the records lost between are recorded as a loss window in the progress item. A failing dependency
 * is waited out, never skipped; a permanent error ends the activity with a non-retryable `SHARD_FORWARDING_FAILED`.
 * Reports the shard's progress (`caughtUpTo`, `closed`, the checkpoint) for the push drains and the next forwarder,
 * at most every `progressEveryMs`. Returns after `maxRunMs`, or once a closed shard is read to its end.
 */
export async function forwardShard(deps: ForwardShardDeps, input: ForwardShardInput): Promise<ForwardShardResult> {
  const context = Context.current();
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => context.sleep(ms));
  const { streamName, shardId } = input;
  const pacer = new ShardPacer(deps.pacing ?? DEFAULT_SHARD_PACING);
  const routes = new RouteCache({ registry: deps.registry, store: deps.store, now, missTtlMs: deps.routeMissTtlMs });
  const log = context.log;
  const holdMs = deps.hold?.holdMs ?? 0;
  const watches =
    holdMs > 0
      ? new WatchBook({
          read: () => deps.registry.readWatches(streamName, now()),
          everyMs: deps.hold?.watchEveryMs ?? 1000,
          now,
          log,
        })
      : undefined;
  const batches = new ShardBatchWriter({
    shardId,
    routes,
    writerFor: deps.writerFor,
    pacer,
    wait: (ms) => sleepHeartbeating(sleep, heartbeat, ms),
    log,
    ...(watches === undefined
      ? {}
      : {
          hold: {
            holdMs,
            maxBytes: deps.hold?.maxBytes ?? DEFAULT_HOLD_BYTES,
            ...(deps.hold?.maxTotalBytes === undefined ? {} : { maxTotalBytes: deps.hold.maxTotalBytes }),
            watched: (executionId: string) => watches.has(executionId),
            watchesAsOf: () => watches.asOf(),
            now,
          },
        }),
  });
  const deadline = now() + (deps.maxRunMs ?? DEFAULT_MAX_RUN_MS);
  const progressEveryMs = deps.progressEveryMs ?? 1000;
  // The checkpoint is behind every event stored, held ones included; `readTo` is the last record read.
  let checkpoint: Checkpoint | undefined = resumedCheckpoint(context.info.heartbeatDetails);
  if (checkpoint === undefined && input.checkpoint !== undefined) checkpoint = { sequenceNumber: input.checkpoint };
  let readTo = checkpoint;
  let reads = 0;
  let behind = 0;
  // Everything that arrived before it was read (held events included); `storedUpTo()` is what is reported.
  let caughtUpTo = 0;
  const storedUpTo = (): number => Math.min(caughtUpTo, batches.heldSince()?.caughtUpTo ?? caughtUpTo);
  // The watches the round that last moved `caughtUpTo` held events by: for the executions watched since before then,
  // nothing that arrived before `caughtUpTo` is held (reported as `readUpTo`, so that their drains need not wait for
  // the events held of others).
  let caughtUpAsOf: number | undefined;
  let reportedCaughtUpTo = 0;
  let reportedReadUpTo = 0;
  let reportedCheckpoint: string | undefined;
  let reportedAt = Number.NEGATIVE_INFINITY;
  const metrics = context.metricMeter;
  function heartbeat(): void {
    const progress: ForwardShardProgress = {
      ...(checkpoint === undefined ? {} : { checkpoint: checkpoint.sequenceNumber }),
      ...(checkpoint?.arrivedAt === undefined ? {} : { checkpointAt: checkpoint.arrivedAt }),
      reads,
      millisBehindLatest: behind,
      ...batches.counts,
    };
    context.heartbeat(progress);
  }
  // The checkpoint rides on the progress reports: no write of its own.
  const report = (closed: boolean) =>
    deps.registry.putShardProgress({
      streamName,
      shardId,
      caughtUpTo: storedUpTo(),
      closed,
      updatedAt: now(),
      ...(caughtUpAsOf === undefined ? {} : { readUpTo: caughtUpTo, watchesAsOf: caughtUpAsOf }),
      ...(checkpoint === undefined
        ? {}
        : { checkpoint: checkpoint.sequenceNumber, checkpointAt: checkpoint.arrivedAt ?? 0 }),
    });

  const tips = new ShardTipsBook(deps.tips);
  // Tips are hints for the tails (they still read the store now and then): a failed publication is retried next
  // round, never waited out.
  let watchesSeen = watches?.version ?? 0;
  const publishTips = async (): Promise<void> => {
    // The tails read the tips: a newly tailed execution's tip is published, one no longer tailed left out.
    if (watches !== undefined && watches.version !== watchesSeen) {
      watchesSeen = watches.version;
      tips.touch();
    }
    if (!tips.dirty) return;
    try {
      const taken = tips.take(now(), watches === undefined ? undefined : (id) => watches.has(id));
      if (taken.left > 0) {
        log.warn('shard tips: more tailed executions than one tips item holds; their tails poll the store', {
          streamName,
          shardId,
          left: taken.left,
        });
      }
      await deps.registry.putShardTips({ streamName, shardId, tips: taken.tips, updatedAt: now() });
    } catch (error) {
      tips.failed();
      log.warn('shard tips publication failed', { streamName, shardId, error: String(error) });
    }
  };

  const tipsWriter = inBackground(publishTips);
  const progressWriter = inBackground(async () => {
    const reporting = storedUpTo();
    const reportingRead = caughtUpTo;
    const reportingCheckpoint = checkpoint?.sequenceNumber;
    try {
      await report(false);
      reportedCaughtUpTo = Math.max(reportedCaughtUpTo, reporting);
      reportedReadUpTo = Math.max(reportedReadUpTo, reportingRead);
      reportedCheckpoint = reportingCheckpoint;
      reportedAt = now();
    } catch (error) {
      // Progress only delays seals while it is missing; the next read reports again.
      log.warn('shard progress report failed', { streamName, shardId, error: String(error) });
    }
  });

  let iterator: string | undefined;
  let refusals = 0;
  let nextReadAt = now();
  let pendingLoss: PendingLoss | undefined;
  /** An iterator after the checkpoint; at the oldest record kept when Kinesis trimmed it (a loss, recorded). */
  const openIterator = async (): Promise<string> => {
    const held = readTo;
    try {
      return await deps.shards.iteratorAfter(streamName, shardId, held?.sequenceNumber);
    } catch (error) {
      const trimmed = held !== undefined && (error as { awsCode?: unknown }).awsCode === 'InvalidArgumentException';
      if (!trimmed) throw error;
      // Past the stream's retention: the records after it are gone. Read on from the oldest one kept, and record the
      // window between, so the seals verify in full every execution it overlaps.
      pendingLoss = {
        from: held.arrivedAt ?? 0,
        afterSequenceNumber: held.sequenceNumber,
        detectedAt: now(),
      };
      log.error('shard checkpoint trimmed by Kinesis: records lost, resuming at the oldest record kept', {
        streamName,
        shardId,
        ...pendingLoss,
        error: String(error),
      });
      metrics.createCounter('logstream_forwarder_loss_windows', 'windows', 'Shard checkpoints found trimmed').add(1);
      checkpoint = readTo = undefined;
      return deps.shards.iteratorAfter(streamName, shardId, undefined);
    }
  };
  const consume = async (): Promise<ForwardShardResult> => {
    const start = shardStart(
      checkpoint,
      await batches.retrying('read shard progress', () => deps.registry.listShardProgress(streamName)),
      shardId,
    );
    checkpoint = readTo = start.checkpoint;
    caughtUpTo = reportedCaughtUpTo = start.caughtUpTo;
    /** Notes what was stored in the tips, and moves the checkpoint behind what is still held. */
    const stored = (tipsStored: ReadonlyMap<string, number>): void => {
      for (const [executionId, lastIndex] of tipsStored) tips.note(executionId, lastIndex, now());
      const held = batches.heldSince<Checkpoint | undefined>();
      checkpoint = held === undefined ? readTo : held.resumeAt;
    };
    while (now() < deadline) {
      watches?.refresh();
      await sleepHeartbeating(sleep, heartbeat, Math.max(0, nextReadAt - now()));
      const startedAt = now();
      let read: ShardRead;
      try {
        iterator ??= await openIterator();
        read = await deps.shards.read(iterator, deps.readLimit);
      } catch (error) {
        const e = error as { awsCode?: unknown };
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
        const kind = failureKind(error);
        if (!isRetryableFailure(kind)) throw error;
        const waitMs = kind === 'throttled' ? pacer.throttled() : pacer.failed();
        log.warn('shard read failed; backing off', { streamName, shardId, delayMs: waitMs, error: String(error) });
        nextReadAt = now() + waitMs;
        continue;
      }
      reads++;
      refusals = 0;
      behind = read.millisBehindLatest;
      const loss = pendingLoss && closeLossWindow(pendingLoss, read, startedAt);
      if (loss !== undefined) {
        // Before anything past the loss is stored and its checkpoint reported: a crash finds the trimmed one again.
        await batches.retrying('record loss window', () => deps.registry.recordShardLoss(streamName, shardId, loss));
        log.error('shard loss window recorded', { streamName, shardId, ...loss });
        pendingLoss = undefined;
      }
      const mark = { resumeAt: readTo, caughtUpTo };
      const last = read.records.at(-1);
      if (last !== undefined) readTo = { sequenceNumber: last.sequenceNumber, arrivedAt: last.arrivedAt };
      stored(await batches.store(read.records, mark));
      // The tips and the progress are written beside the next reads: a round waits for the store, not for them.
      tipsWriter.kick();
      iterator = read.nextIterator;
      // Everything that arrived before this read started was in its answer or an earlier one, and is stored now.
      if ((read.millisBehindLatest === 0 || iterator === undefined) && startedAt > caughtUpTo) {
        caughtUpTo = startedAt;
        caughtUpAsOf = batches.watchesAsOf;
      }
      heartbeat();
      if (iterator === undefined) {
        stored(await batches.flushAll());
        // The drains of executions on this shard wait for `closed`: it must be written before the run ends.
        await progressWriter.settle();
        await batches.retrying('report shard progress', () => report(true));
        // Nothing more will be stored from this shard: its tips item need not be read by the tails any longer.
        await tipsWriter.settle();
        tips.clear();
        await publishTips();
        log.info('closed shard read to its end', { streamName, shardId, children: read.childShardIds });
        return { ...result(), closed: true, childShardIds: read.childShardIds };
      }
      const moved =
        storedUpTo() > reportedCaughtUpTo ||
        (caughtUpAsOf !== undefined && caughtUpTo > reportedReadUpTo) ||
        checkpoint?.sequenceNumber !== reportedCheckpoint;
      if (moved && now() - reportedAt >= progressEveryMs) progressWriter.kick();
      // The next read follows at the pace, not after a rest: a log stream's events reach Kinesis one record per
      // PutLogEvents call, so reading less often merges few appends, and costs each line the wait.
      nextReadAt = startedAt + pacer.succeeded(read.records.length > 0 || read.millisBehindLatest > 0);
    }
    // The next round starts from a checkpoint behind nothing held.
    if (batches.heldExecutions > 0) {
      stored(await batches.flushAll());
      tipsWriter.kick();
      progressWriter.kick();
    }
    await Promise.all([tipsWriter.settle(), progressWriter.settle(), watches?.settle()]);
    // One line per round (about ten minutes) says what the shard carried: the heartbeats hold the same counts live.
    log.info('shard forwarded for a round', { streamName, shardId, ...result(), reads, ...batches.counts });
    return { ...result(), closed: false, childShardIds: [] };
  };
  const result = () => (checkpoint === undefined ? {} : { checkpoint: checkpoint.sequenceNumber });
  try {
    return await consume();
  } catch (error) {
    if (isWorkerShutdown(error)) {
      // The worker is stopping (a deploy, a restart): the round ends here with what is stored, so the workflow's next
      // round starts on another worker at once. A failed attempt would be retried too, but each one backs off longer.
      log.info('worker shutting down: shard round ends at its checkpoint', { streamName, shardId, ...result() });
      return { ...result(), closed: false, childShardIds: [] };
    }
    // A cancellation (a stop) is passed on; what may pass is retried by Temporal from the last heartbeat.
    if (failureKind(error) !== 'permanent') throw error;
    // Retrying what cannot pass (a deleted stream, a denied call, a malformed record in the store, a bug) would only
    // hide it: the activity ends, visibly, and the workflow decides (see shardForwarderWorkflow).
    const failure = shardForwardingFailure(error, { streamName, shardId, ...result() });
    log.error('shard forwarding failed for good', { streamName, shardId, ...result(), error: String(error) });
    metrics
      .createCounter(
        'logstream_forwarder_failures',
        'failures',
        'Shard forwarder activities ended by a permanent error',
      )
      .add(1, { code: failureCode(error) });
    throw failure;
  }
}

/** The checkpoint a retried attempt's last heartbeat carried. */
function resumedCheckpoint(details: unknown): Checkpoint | undefined {
  const beat = details as { checkpoint?: unknown; checkpointAt?: unknown } | undefined;
  const sequenceNumber = beat?.checkpoint;
  if (typeof sequenceNumber !== 'string' || sequenceNumber === '') return undefined;
  return typeof beat?.checkpointAt === 'number' ? { sequenceNumber, arrivedAt: beat.checkpointAt } : { sequenceNumber };
}
