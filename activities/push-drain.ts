import { Context } from '@temporalio/activity';
import { positionOf, type Completion, type LogEvent, type LogLocation, type LogSeal } from '../src/domain';
import { PushedLogWriter, type LogAudit, type LogStore, type PushRegistry, type ShardSource } from '../src/ports';
import { checkStream, forwardersPast, type ForwarderVerdict, type StoredTail } from './push-proof';
import {
  classifyPumpFailure,
  nonRetryableFailure,
  ReadPacer,
  sleepHeartbeating,
  type ReadPacerOptions,
} from './read-pacing';
import { sealAt, sealedBefore } from './sealing';

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
  readonly registry: Pick<PushRegistry, 'listShardProgress'>;
  readonly audit: LogAudit;
  readonly shards: Pick<ShardSource, 'listShards'>;
  /** The Kinesis stream the forwarders read. */
  readonly streamName: string;
  /** How often the forwarders' progress is looked at while waiting for it (ms). */
  readonly pollMs: number;
  readonly ttlSeconds: number;
  /** Pacing of FilterLogEvents (5 calls/s per account, shared by everyone): default `FILTER_PACING`. */
  readonly filterPacing?: ReadPacerOptions;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** What the push drain reports in its heartbeats. */
export interface PushDrainProgress {
  readonly phase: 'settling' | 'forwarder' | 'check' | 'fallback' | 'sealing';
  readonly lastIndex: number;
  /** FilterLogEvents calls made so far. */
  readonly checkCalls: number;
  /** Why the proof failed and the log was read from CloudWatch instead (absent while it holds). */
  readonly fallback?: string;
  /** Events the fallback found missing and stored. */
  readonly recovered?: number;
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

/**
 * How long past `quietAfter` (or the drain's start, when later) the forwarders and late deliveries get before the
 * drain stops waiting for them.
 */
export function proofDeadline(quietAfter: number, settleMs: number): number {
  return quietAfter + Math.max(60_000, 2 * settleMs);
}

/**
 * The final drain of a push execution: seals only with proof that nothing is missing. (a) The forwarders
 * have consumed past quietAfter = max(completedAt, lastWriteAt) + settle: every shard of the stream is
 * caught up to it, or closed and read to its end. (b) A bounded check of each stream against CloudWatch
 * (`checkStream`, against the latest `CHECK_TAIL_EVENTS` stored events) finds nothing missing. Then the log is sealed at its tip; a writer that stored past it
 * first (CHUNK_CONFLICT) sends it back to the check. When the proof fails (an event missing that waiting
 * cannot bring, the window exceeded, or the forwarders not past quietAfter by `proofDeadline`), it falls
 * back: reads every stream from its start with FilterLogEvents (paced), stores the events whose ids are
 * not stored, says why (log and heartbeat), then seals. Throttling and transient failures are waited
 * out, jittered; what retrying cannot fix is raised as a non-retryable failure.
 */
export async function pushDrainAndSeal(deps: PushDrainDeps, input: PushDrainInput): Promise<LogSeal> {
  const context = Context.current();
  const sleep = deps.sleep ?? ((ms: number) => context.sleep(ms));
  const now = deps.now ?? Date.now;
  const pacer = new ReadPacer(deps.filterPacing ?? FILTER_PACING);
  const { completedAt, lastWriteAt } = input.completion;
  const quietAfter = Math.max(completedAt, lastWriteAt ?? 0) + input.settleMs;
  // Counted from the drain's start when the completion is older (a runner reporting an old completed_at): the
  // forwarders and late deliveries still get their time.
  const deadline = proofDeadline(Math.max(quietAfter, now()), input.settleMs);
  const writer = new PushedLogWriter(deps.store, { executionId: input.executionId, location: input.location });
  let progress: PushDrainProgress = { phase: 'settling', lastIndex: 0, checkCalls: 0 };
  const heartbeat = (): void => context.heartbeat(progress);
  const report = (change: Partial<PushDrainProgress>): void => {
    progress = { ...progress, ...change };
    heartbeat();
  };
  let recheckMs = 1000;
  let fallback: string | undefined;

  for (;;) {
    let wait = 0;
    try {
      if (fallback !== undefined) {
        await recoverMissing(deps, input, writer, pacer, { sleep, now, report, heartbeat, progress: () => progress });
        const seal = await sealTip(deps, input, now, report);
        if (seal) return seal;
        // The forwarder stored more meanwhile: check again (a gap it leaves is read again from CloudWatch).
        fallback = undefined;
        continue;
      }
      if (now() < quietAfter) {
        report({ phase: 'settling' });
        wait = quietAfter - now();
      } else {
        report({ phase: 'forwarder' });
        const forwarders = await forwardersProgress(deps, quietAfter);
        if (forwarders.unreadable !== undefined) {
          fallback = `forwarder-progress-unreadable: ${forwarders.unreadable}`;
        } else if (!forwarders.done) {
          if (now() > deadline)
            fallback = `forwarder-behind: shards ${forwarders.behind.join(', ') || '(none listed)'}`;
          // Two calls a look (ListShards, one Query): not faster than a few times a second.
          else wait = Math.max(deps.pollMs, MIN_PROGRESS_POLL_MS);
        } else {
          report({ phase: 'check' });
          const verdict = await checkTip(deps, input, pacer, {
            sleep,
            now,
            report,
            heartbeat,
            progress: () => progress,
          });
          if (verdict === undefined) {
            const seal = await sealTip(deps, input, now, report);
            if (seal) return seal;
            continue;
          }
          if (!verdict.mayHeal || now() > deadline) fallback = verdict.reason;
          else {
            wait = recheckMs;
            recheckMs = Math.min(recheckMs * 2, 16_000);
          }
        }
      }
      if (fallback !== undefined) {
        context.log.warn('push seal: the proof failed, reading the log from CloudWatch', {
          executionId: input.executionId,
          reason: fallback,
        });
        report({ phase: 'fallback', fallback });
        continue;
      }
    } catch (error) {
      const seal = await sealedBefore(deps.store, input.executionId, error);
      if (seal) return seal;
      // Raised as non-retryable already (by the fallback's reads): keep its type.
      if ((error as { nonRetryable?: unknown }).nonRetryable === true) throw error;
      wait = backoff(pacer, error, context, input.executionId);
    }
    await sleepHeartbeating(sleep, heartbeat, wait);
  }
}

/** The forwarders' verdict; `unreadable` when the stream's shards cannot be listed for good (deleted, no access). */
async function forwardersProgress(
  deps: PushDrainDeps,
  quietAfter: number,
): Promise<ForwarderVerdict & { readonly unreadable?: string }> {
  try {
    const [shards, progress] = await Promise.all([
      deps.shards.listShards(deps.streamName),
      deps.registry.listShardProgress(deps.streamName),
    ]);
    return forwardersPast(shards, progress, quietAfter);
  } catch (error) {
    // Without the forwarders' progress there is no proof, but the log can still be read from CloudWatch.
    if (classifyPumpFailure(error) !== 'permanent') throw error;
    return { done: false, behind: [], unreadable: String(error) };
  }
}

/** What the drain's helpers share with its loop. */
interface DrainLoop {
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  readonly report: (change: Partial<PushDrainProgress>) => void;
  readonly heartbeat: () => void;
  readonly progress: () => PushDrainProgress;
}

/** Checks every stream at the stored tip; undefined when nothing is missing, else the first failed verdict. */
async function checkTip(deps: PushDrainDeps, input: PushDrainInput, pacer: ReadPacer, loop: DrainLoop) {
  const latest = await deps.store.latestChunk(input.executionId);
  const cursor = latest?.cursor ?? { streams: {} };
  const tail = latest
    ? await storedTail(deps.store, input.executionId, latest.last)
    : { ids: new Set<string>(), since: undefined };
  for (const logStream of input.location.logStreams) {
    const started = loop.now();
    const verdict = await checkStream(
      deps.audit,
      input.location.logGroup,
      logStream,
      positionOf(cursor, logStream),
      tail,
    );
    loop.report({ checkCalls: loop.progress().checkCalls + verdict.calls, lastIndex: latest?.last ?? 0 });
    await sleepHeartbeating(loop.sleep, loop.heartbeat, pacer.succeeded(verdict.calls, loop.now() - started));
    if (!verdict.ok) return verdict;
  }
  return undefined;
}

/** Stored events the check reads back (about one FilterLogEvents page of them). */
export const CHECK_TAIL_EVENTS = 10_000;

/** The ids and the oldest timestamp of the log's latest `CHECK_TAIL_EVENTS` stored events, up to `lastIndex`. */
async function storedTail(store: LogStore, executionId: string, lastIndex: number): Promise<StoredTail> {
  const from = Math.max(1, lastIndex - CHECK_TAIL_EVENTS + 1);
  const ids = new Set<string>();
  let since: number | undefined;
  for await (const chunk of store.readChunks(executionId, from)) {
    chunk.events.forEach((event, i) => {
      if (chunk.seq + i < from || chunk.seq + i > lastIndex) return;
      if (event.eventId !== undefined) ids.add(event.eventId);
      since = Math.min(since ?? event.timestamp, event.timestamp);
    });
    if (chunk.last >= lastIndex) break;
  }
  return { ids, since: from === 1 ? undefined : since };
}

/** Seals at the stored tip; undefined when a writer stored past it first. */
async function sealTip(
  deps: PushDrainDeps,
  input: PushDrainInput,
  now: () => number,
  report: (change: Partial<PushDrainProgress>) => void,
): Promise<LogSeal | undefined> {
  const lastIndex = (await deps.store.latestChunk(input.executionId))?.last ?? 0;
  report({ phase: 'sealing', lastIndex });
  return sealAt(deps.store, input, lastIndex, now(), deps.ttlSeconds);
}

/**
 * The fallback: every stream read from its start with FilterLogEvents (paced against the account-wide quota,
 * a throttled or failed page retried after a jittered wait), and the events whose ids are not stored appended
 * after everything stored.
 */
async function recoverMissing(
  deps: PushDrainDeps,
  input: PushDrainInput,
  writer: PushedLogWriter,
  pacer: ReadPacer,
  loop: DrainLoop,
): Promise<void> {
  const context = Context.current();
  const stored = await storedIds(deps.store, input.executionId, loop.heartbeat);
  let recovered = 0;
  for (const logStream of input.location.logStreams) {
    const missing: (LogEvent & { readonly eventId: string })[] = [];
    let nextToken: string | undefined;
    let read = false;
    while (!read) {
      const started = loop.now();
      let wait: number;
      try {
        const page = await deps.audit.filterStream(input.location.logGroup, logStream, { nextToken });
        missing.push(...page.events.filter((event) => !stored.has(event.eventId)));
        nextToken = page.nextToken;
        read = nextToken === undefined;
        loop.report({ checkCalls: loop.progress().checkCalls + 1 });
        wait = read ? 0 : pacer.succeeded(1, loop.now() - started);
      } catch (error) {
        // The same page again (its token stays valid) after the wait.
        wait = backoff(pacer, error, context, input.executionId);
      }
      await sleepHeartbeating(loop.sleep, loop.heartbeat, wait);
    }
    if (missing.length > 0) {
      const { appended, lastIndex } = await writer.appendMissing(logStream, missing);
      recovered += appended;
      loop.report({ lastIndex });
    }
  }
  loop.report({ recovered: (loop.progress().recovered ?? 0) + recovered });
  context.log.warn('push seal: stored what CloudWatch had and the store did not', {
    executionId: input.executionId,
    recovered,
  });
}

/** Every CloudWatch event id the log holds (the fallback stores only the others); heartbeats as it reads. */
async function storedIds(store: LogStore, executionId: string, heartbeat: () => void): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const chunk of store.readChunks(executionId, 1)) {
    for (const event of chunk.events) if (event.eventId !== undefined) ids.add(event.eventId);
    heartbeat();
  }
  return ids;
}

/** The wait after a failed call (logged); what retrying cannot fix is thrown as a non-retryable failure. */
function backoff(pacer: ReadPacer, error: unknown, context: Context, executionId: string): number {
  const kind = classifyPumpFailure(error);
  if (kind === 'permanent') throw nonRetryableFailure(error);
  const waitMs = pacer.failed(kind, 1, 0);
  context.log.warn('push seal: a call failed; backing off', {
    executionId,
    delayMs: waitMs,
    throttled: kind === 'throttled',
    error: String(error),
  });
  return waitMs;
}
