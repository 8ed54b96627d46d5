import { Context } from '@temporalio/activity';
import {
  backoffDelay,
  failureKind,
  isRetryableFailure,
  positionOf,
  storedCountOf,
  type Completion,
  type LogLocation,
  type LogSeal,
  type SourceCursor,
} from '../../src/domain';
import { PushedLogWriter, WatchRenewal, type LogStore, type PushRegistry, type ShardSource } from '../../src/ports';
import { forwardersPast, type ForwarderVerdict } from './push-proof';
import { nonRetryableFailure, ReadPacer, sleepHeartbeating, type ReadPacerOptions } from '../shared/read-pacing';
import { sealAt, sealedBefore, type SealFacts } from '../shared/sealing';
import { verifyAgainstCloudWatch, type DrainLoop } from './push-recovery';
import type { StreamVerifier } from './stream-verifier';

/** Input of the push drain (the drain's input of a push execution). */
export interface PushDrainInput {
  readonly executionId: string;
  readonly location: LogLocation;
  readonly completion: Completion;
  readonly settleMs: number;
}

/** Dependencies of the push drain. */
export interface PushDrainDeps {
  readonly store: LogStore;
  readonly registry: Pick<PushRegistry, 'listShardProgress' | 'putWatches'>;
  /** Reads whole streams from CloudWatch for the proof (shared by the worker's drains, within the read budget). */
  readonly verifier: Pick<StreamVerifier, 'read'>;
  readonly shards: Pick<ShardSource, 'listShards'>;
  /** The Kinesis stream the forwarders read. */
  readonly streamName: string;
  /** How often the forwarders' progress is looked at while waiting for it (ms). */
  readonly pollMs: number;
  readonly ttlSeconds: number;
  /** Back-off of the drain's failed calls: default `FILTER_PACING`. */
  readonly filterPacing?: ReadPacerOptions;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** What the push drain reports in its heartbeats. */
export interface PushDrainProgress {
  readonly phase: 'settling' | 'counting' | 'forwarder' | 'verifying' | 'sealing';
  readonly lastIndex: number;
  /** Events stored, as the log's cursor counts them (absent where a stream's count is unknown). */
  readonly storedCount?: number;
  /** FilterLogEvents calls made so far. */
  readonly checkCalls: number;
  /** Why the log is being read from CloudWatch (absent while the writer's count proves it). */
  readonly verifying?: string;
  /** Events the verification found missing and stored. */
  readonly recovered?: number;
}

/** The progress a previous attempt heartbeated, if any (its counters only: anything else is read again). */
function resumedProgress(details: unknown): Pick<PushDrainProgress, 'checkCalls' | 'recovered'> | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const { checkCalls, recovered } = details as Partial<PushDrainProgress>;
  return {
    checkCalls: typeof checkCalls === 'number' && checkCalls >= 0 ? checkCalls : 0,
    ...(typeof recovered === 'number' && recovered >= 0 ? { recovered } : {}),
  };
}

/** Shortest wait between two looks at the forwarders' progress (ms). */
const MIN_PROGRESS_POLL_MS = 250;

/** A drain's share of FilterLogEvents' 5 calls/s account quota; throttling halves it. */
export const FILTER_PACING: ReadPacerOptions = {
  maxCallsPerSecond: 2,
  minCallsPerSecond: 0.2,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
};

/** Verifications of a counted log that still comes out short before it is sealed with what CloudWatch holds. */
const MAX_SHORT_VERIFICATIONS = 5;

/**
 * How long past `quietAfter` (or the drain's start, when later) the forwarders and late deliveries get before the
 * drain stops waiting for them.
 */
export function proofDeadline(quietAfter: number, settleMs: number): number {
  return quietAfter + Math.max(60_000, 2 * settleMs);
}

/**
 * The final drain of a push execution: seals only with a proof that every event CloudWatch holds for the
 * execution's streams is stored, once.
 * - **By count, with no CloudWatch read**: when the writer counted what CloudWatch accepted (`eventCount`, the
 *   built-in runner's or an external producer's) and no write's outcome was uncertain, the log is complete once the
 *   stored count (kept in the cursor by every append) equals it. Appends never store an event twice (see
 *   `freshPushedEvents`), so equal counts leave no room for a missing event.
 * - **By reading CloudWatch**, otherwise (no count, an uncertain write, a count still short once the forwarders are
 *   past `quietAfter = max(completedAt, lastWriteAt) + settle`, or more events stored than counted): every stream is
 *   read from its start (FilterLogEvents, paced: a cost per line, not per execution) and compared, by id, with every
 *   id stored. An event CloudWatch holds and the store lacks is recovered (stored after everything, marked
 *   `recovered`); events stored twice are counted. The seal records both.
 * A writer that stored past the tip first (CHUNK_CONFLICT) sends it back to the proof. Throttling and transient
 * failures are waited out, jittered; what retrying cannot fix is raised as a non-retryable failure.
 */
export async function pushDrainAndSeal(deps: PushDrainDeps, input: PushDrainInput): Promise<LogSeal> {
  const context = Context.current();
  const sleep = deps.sleep ?? ((ms: number) => context.sleep(ms));
  const now = deps.now ?? Date.now;
  const pacer = new ReadPacer(deps.filterPacing ?? FILTER_PACING);
  const { completedAt, lastWriteAt, eventCount, uncertainWrites } = input.completion;
  const quietAfter = Math.max(completedAt, lastWriteAt ?? 0) + input.settleMs;
  // Counted from the drain's start when the completion is older (a runner reporting an old completed_at): the
  // forwarders and late deliveries still get their time.
  const deadline = proofDeadline(Math.max(quietAfter, now()), input.settleMs);
  const counted = eventCount !== undefined && (uncertainWrites ?? 0) === 0;
  // A retried attempt goes on from what the one before it reported: the events it recovered are stored, and the seal
  // must count them even when this attempt finds nothing left to recover.
  const before = resumedProgress(context.info.heartbeatDetails);
  let progress: PushDrainProgress = {
    phase: counted ? 'counting' : 'settling',
    lastIndex: 0,
    checkCalls: before?.checkCalls ?? 0,
    ...(before?.recovered === undefined ? {} : { recovered: before.recovered }),
  };
  const heartbeat = (): void => context.heartbeat(progress);
  const report = (change: Partial<PushDrainProgress>): void => {
    progress = { ...progress, ...change };
    heartbeat();
  };
  const loop: DrainLoop = { sleep, now, report, heartbeat, progress: () => progress };
  const writer = new PushedLogWriter(deps.store, { executionId: input.executionId, location: input.location });
  let verifying: string | undefined = counted
    ? undefined
    : eventCount === undefined
      ? 'no-count: the writer did not count its events'
      : `uncertain-writes: ${uncertainWrites} writes may have taken effect twice`;
  let shortVerifications = 0;
  // Set once the forwarders are past quietAfter (or waiting for them is over): not asked again.
  let forwardersDone = false;
  // The forwarders store the execution's events at once while the drain waits for them (see `putWatches`). While
  // its watch holds (from the end of its first put, without a gap), the forwarders' `readUpTo` counts for this log:
  // see `forwardersPast`.
  const watch = new WatchRenewal({
    watch: (ids, untilMs) => deps.registry.putWatches(deps.streamName, ids, untilMs),
    watchMs: DRAIN_WATCH_MS,
    retryMs: WATCH_RETRY_MS,
    now,
  });
  const watchedSince = (): number | undefined => watch.heldSince(input.executionId);

  for (;;) {
    let wait = 0;
    // A failure only costs time (held events come within the forwarders' hold anyway): logged, and tried again soon.
    await watch.renew([input.executionId]).catch((error: unknown) =>
      context.log.warn('push seal: asking the forwarders for the log failed', {
        executionId: input.executionId,
        error: String(error),
      }),
    );
    try {
      if (verifying === undefined) {
        const latest = await deps.store.latestChunk(input.executionId);
        const stored = latest ? storedCount(latest.cursor, input.location.logStreams) : 0;
        report({
          phase: 'counting',
          lastIndex: latest?.last ?? 0,
          ...(stored === undefined ? {} : { storedCount: stored }),
        });
        if (stored === eventCount) {
          const seal = await sealTip(deps, input, now, report, {
            proof: 'count',
            ...(progress.recovered === undefined ? {} : { recoveredEvents: progress.recovered }),
          });
          if (seal) return seal;
          continue;
        }
        if (stored === undefined) verifying = 'count-unknown: the log was stored before counts were kept';
        else if (eventCount !== undefined && stored > eventCount) {
          verifying = `count-over: ${stored} events stored, ${eventCount} counted`;
        } else {
          const verdict = await forwardersVerdict(deps, input, quietAfter, now, watchedSince());
          if (verdict !== undefined || now() > deadline) {
            forwardersDone = true;
            verifying = `count-short: ${stored} of ${eventCount} events stored; ${verdict ?? 'the wait is over'}`;
          } else wait = Math.max(deps.pollMs, MIN_PROGRESS_POLL_MS);
        }
      } else if (now() < quietAfter) {
        report({ phase: 'settling' });
        wait = quietAfter - now();
      } else {
        forwardersDone ||=
          (await forwardersVerdict(deps, input, quietAfter, now, watchedSince())) !== undefined || now() > deadline;
        if (!forwardersDone) {
          report({ phase: 'forwarder' });
          wait = Math.max(deps.pollMs, MIN_PROGRESS_POLL_MS);
        } else {
          report({ phase: 'verifying', verifying });
          const found = await verifyAgainstCloudWatch(deps, input, writer, loop);
          const stored = storedCount(
            (await deps.store.latestChunk(input.executionId))?.cursor,
            input.location.logStreams,
          );
          // A counted log still short after reading CloudWatch: its search may not show the newest events yet.
          if (
            counted &&
            stored !== undefined &&
            eventCount !== undefined &&
            stored < eventCount &&
            ++shortVerifications < MAX_SHORT_VERIFICATIONS
          ) {
            wait = backoffDelay(shortVerifications + 1, { baseMs: 1000, maxMs: 16_000, jitter: 'none' });
          } else {
            if (counted && stored !== eventCount) {
              context.log.error("push seal: the stored count differs from the writer's after reading CloudWatch", {
                executionId: input.executionId,
                stored,
                eventCount,
              });
            }
            const seal = await sealTip(deps, input, now, report, {
              proof: 'cloudwatch',
              recoveredEvents: progress.recovered ?? 0,
              duplicateEvents: found.duplicates,
            });
            if (seal) return seal;
            // The forwarder stored more meanwhile: verify again (what it stored is no longer missing).
          }
        }
      }
    } catch (error) {
      const seal = await sealedBefore(deps.store, input.executionId, error);
      if (seal) return seal;
      // Raised as non-retryable already (by the verification's reads): keep its type.
      if ((error as { nonRetryable?: unknown }).nonRetryable === true) throw error;
      wait = backoff(pacer, error, context, input.executionId);
    }
    if (verifying !== undefined && progress.verifying === undefined) {
      context.log.warn('push seal: proving the log by reading CloudWatch', {
        executionId: input.executionId,
        reason: verifying,
      });
      report({ verifying });
      wait = 0;
    }
    await sleepHeartbeating(sleep, heartbeat, wait);
  }
}

/** How long one watch of the drain lasts; it is renewed while the drain goes on. */
const DRAIN_WATCH_MS = 60_000;
/** After a failed put of the drain's watch, the next try comes this much later. */
const WATCH_RETRY_MS = 5000;

/** The sum of the streams' stored counts; undefined when a stream's count is unknown. */
function storedCount(cursor: SourceCursor | undefined, logStreams: readonly string[]): number | undefined {
  let total = 0;
  for (const stream of logStreams) {
    const count = cursor === undefined ? 0 : storedCountOf(positionOf(cursor, stream));
    if (count === undefined) return undefined;
    total += count;
  }
  return total;
}

/**
 * Undefined while the forwarders may still bring events that arrived before `quietAfter`; else why waiting for
 * them is over (they are past it, or their progress cannot be read for good).
 */
async function forwardersVerdict(
  deps: PushDrainDeps,
  input: PushDrainInput,
  quietAfter: number,
  now: () => number,
  watchedSince: number | undefined,
): Promise<string | undefined> {
  if (now() < quietAfter) return undefined;
  // Only the forwarders of the shards that can hold the execution's streams: one slow shard holds no other seal.
  const forwarders = await forwardersProgress(deps, quietAfter, input.location.logStreams, watchedSince);
  if (forwarders.unreadable !== undefined) return `forwarder progress unreadable: ${forwarders.unreadable}`;
  return forwarders.done ? 'the forwarders are past the settle window' : undefined;
}

/**
 * The forwarders' verdict on the shards that can hold `logStreams` (every shard without them); `unreadable` when the
 * stream's shards cannot be listed for good (deleted, no access).
 */
async function forwardersProgress(
  deps: PushDrainDeps,
  quietAfter: number,
  logStreams?: readonly string[],
  watchedSince?: number,
): Promise<ForwarderVerdict & { readonly unreadable?: string }> {
  try {
    const [shards, progress] = await Promise.all([
      deps.shards.listShards(deps.streamName),
      deps.registry.listShardProgress(deps.streamName),
    ]);
    return forwardersPast(shards, progress, quietAfter, logStreams, watchedSince);
  } catch (error) {
    // Without the forwarders' progress there is no proof, but the log can still be read from CloudWatch.
    if (isRetryableFailure(failureKind(error))) throw error;
    return { done: false, behind: [], unreadable: String(error) };
  }
}

/** Seals at the stored tip; undefined when a writer stored past it first. */
async function sealTip(
  deps: PushDrainDeps,
  input: PushDrainInput,
  now: () => number,
  report: (change: Partial<PushDrainProgress>) => void,
  facts: SealFacts,
): Promise<LogSeal | undefined> {
  const lastIndex = (await deps.store.latestChunk(input.executionId))?.last ?? 0;
  report({ phase: 'sealing', lastIndex });
  return sealAt(deps.store, input, lastIndex, now(), deps.ttlSeconds, facts);
}

/** The wait after a failed call (logged); what retrying cannot fix is thrown as a non-retryable failure. */
function backoff(pacer: ReadPacer, error: unknown, context: Context, executionId: string): number {
  const kind = failureKind(error);
  if (!isRetryableFailure(kind)) throw nonRetryableFailure(error);
  const waitMs = pacer.failed(kind, 1, 0);
  context.log.warn('push seal: a call failed; backing off', {
    executionId,
    delayMs: waitMs,
    throttled: kind === 'throttled',
    error: String(error),
  });
  return waitMs;
}
