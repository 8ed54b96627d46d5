import { Context } from '@temporalio/activity';
import { sealExpiresAt, type Completion, type IngestMode, type LogLocation, type LogSeal } from '../src/domain';
import type { LogPump, LogStore } from '../src/ports';
import { PacedReader, type PacedReaderDeps } from './paced-reader';
import { sleepHeartbeating } from './read-pacing';

/** Input of `drainAndSeal`. */
export interface DrainInput {
  readonly executionId: string;
  readonly location: LogLocation;
  readonly completion: Completion;
  /** How long past the completion (or the writer's last put, when later) CloudWatch may still surface events (ms). */
  readonly settleMs: number;
  /** How the log was ingested (chosen at registration); absent for executions started before push ingest: poll. */
  readonly ingest?: IngestMode;
}

/** Dependencies of the final drain. */
export interface DrainDeps extends PacedReaderDeps {
  readonly pollMs: number;
  readonly ttlSeconds: number;
}

/**
 * Final drain: reads CloudWatch until it is quiet, stores the rest, then seals the log with its
 * status and last index. Quiet = a read that started after `max(completedAt, lastWriteAt) + settle`
 * found nothing and reached the end of every stream (the token given came back), so empty pages
 * before the end never pass for the end. Reads are paced against the account-wide quota and never
 * loop without a wait; throttling and transient failures are waited out here (with jittered
 * back-off, heartbeating), and what retrying cannot fix is raised as a non-retryable failure. A
 * sealed log is complete by construction, which is what lets `/logs` trust DynamoDB without the
 * `CompletedAt` heuristic.
 */
export async function drainAndSeal(deps: DrainDeps, input: DrainInput): Promise<LogSeal> {
  const context = Context.current();
  const reader = new PacedReader(deps, input, 'drain');
  const { pump, now } = reader;
  const { completedAt, lastWriteAt } = input.completion;
  const quietAfter = Math.max(completedAt, lastWriteAt ?? 0) + input.settleMs;
  let lastIndex = 0;
  const heartbeat = (): void => context.heartbeat({ lastIndex });
  for (;;) {
    const startedAt = now();
    let wait: number;
    try {
      const { result, waitMs } = await reader.read();
      lastIndex = result.tip.lastIndex;
      heartbeat();
      const caughtUp = result.appended === 0 && result.exhausted;
      if (caughtUp && startedAt >= quietAfter) {
        const seal = await sealOrDrainMore(deps, input, pump, lastIndex, now());
        if (seal) return seal;
        continue;
      }
      // Caught up inside the settle window: look again after a poll interval, or when the window ends.
      wait = Math.max(waitMs, caughtUp ? Math.min(deps.pollMs, Math.max(1, quietAfter - now())) : 0);
    } catch (error) {
      const seal = await sealedBefore(deps.store, input.executionId, error);
      if (seal) return seal;
      wait = reader.backoff(error);
    }
    await sleepHeartbeating(reader.sleep, heartbeat, wait);
  }
}

/** Seals at `lastIndex`; undefined when a late writer stored past it first (drain that too, then seal). */
async function sealOrDrainMore(
  deps: DrainDeps,
  input: DrainInput,
  pump: LogPump,
  lastIndex: number,
  sealedAt: number,
): Promise<LogSeal | undefined> {
  try {
    return await deps.store.sealLog(
      input.executionId,
      { ...input.completion, lastIndex, sealedAt },
      // Retention counts from the seal when the reported completion is older (see sealExpiresAt).
      sealExpiresAt(input.completion.completedAt, sealedAt, deps.ttlSeconds),
    );
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'CHUNK_CONFLICT') throw error;
    await pump.loadTip();
    return undefined;
  }
}

/** A second drain of a sealed log meets the seal when it appends: the first seal stands. */
async function sealedBefore(store: LogStore, executionId: string, error: unknown): Promise<LogSeal | undefined> {
  if ((error as { code?: unknown }).code !== 'LOG_SEALED') return undefined;
  return (await store.getExecution(executionId))?.seal;
}
