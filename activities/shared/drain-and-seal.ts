import { Context } from '@temporalio/activity';
import type { Completion, IngestMode, LogLocation, LogSeal } from '../../src/domain';
import { PacedReader, type PacedReaderDeps } from './paced-reader';
import { pushDrainAndSeal, type PushDrainDeps } from '../push/push-drain';
import { sleepHeartbeating } from './read-pacing';
import { sealAt, sealedBefore } from './sealing';

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
  /** What the drain of a push execution needs besides (the forwarders' progress, the check against CloudWatch). */
  readonly push?: Omit<PushDrainDeps, 'store' | 'pollMs' | 'ttlSeconds' | 'sleep' | 'now'>;
}

/**
 * Final drain: reads CloudWatch until it is quiet, stores the rest, then seals the log with its
 * status and last index. Quiet = a read that started after `max(completedAt, lastWriteAt) + settle`
 * found nothing and reached the end of every stream (the token given came back), so empty pages
 * before the end never pass for the end. Reads are paced against the account-wide quota and never
 * loop without a wait; throttling and transient failures are waited out here (with jittered
 * back-off, heartbeating), and what retrying cannot fix is raised as a non-retryable failure. A
 * sealed log is complete by construction, which is what lets `/logs` trust DynamoDB without the
 * `CompletedAt` heuristic. A push execution's drain is `pushDrainAndSeal`: it reads CloudWatch only to check.
 */
export async function drainAndSeal(deps: DrainDeps, input: DrainInput): Promise<LogSeal> {
  if (input.ingest === 'push') {
    if (!deps.push) throw new Error('the drain of a push execution needs the push dependencies');
    return pushDrainAndSeal({ ...deps, ...deps.push }, input);
  }
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
        const seal = await sealAt(deps.store, input, lastIndex, now(), deps.ttlSeconds);
        if (seal) return seal;
        // A late writer stored past `lastIndex` first: drain that too, then seal.
        await pump.loadTip();
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
