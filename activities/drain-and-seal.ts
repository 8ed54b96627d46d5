import { Context } from '@temporalio/activity';
import { sealExpiresAt, type Completion, type LogLocation, type LogSeal } from '../src/domain';
import { LogPump, type LogSource, type LogStore } from '../src/ports';

/** Input of `drainAndSeal`. */
export interface DrainInput {
  readonly executionId: string;
  readonly location: LogLocation;
  readonly completion: Completion;
  /** How long past `completedAt` CloudWatch may still surface events (ms). */
  readonly settleMs: number;
}

/** Dependencies of the final drain. */
export interface DrainDeps {
  readonly store: LogStore;
  readonly source: LogSource;
  readonly pollMs: number;
  readonly ttlSeconds: number;
}

/**
 * Final drain: reads CloudWatch until a read after `completedAt + settle` finds nothing new, stores
 * the rest, then seals the log with its status and last index. A sealed log is complete by
 * construction, which is what lets `/logs` trust DynamoDB without the `CompletedAt` heuristic.
 */
export async function drainAndSeal(deps: DrainDeps, input: DrainInput): Promise<LogSeal> {
  const context = Context.current();
  const pump = new LogPump(deps.store, deps.source, {
    executionId: input.executionId,
    location: input.location,
  });
  const quietAfter = input.completion.completedAt + input.settleMs;
  for (;;) {
    const startedAt = Date.now();
    const result = await pump.pump().catch((error: unknown) => sealedBefore(deps.store, input.executionId, error));
    if ('sealedAt' in result) return result;
    context.heartbeat({ lastIndex: result.tip.lastIndex });
    // Quiet = a read that started after the window found nothing and reached the end of every stream.
    if (result.appended === 0 && result.exhausted && startedAt >= quietAfter) {
      const sealedAt = Date.now();
      try {
        return await deps.store.sealLog(
          input.executionId,
          { ...input.completion, lastIndex: result.tip.lastIndex, sealedAt },
          // Retention counts from the seal when the reported completion is older (see sealExpiresAt).
          sealExpiresAt(input.completion.completedAt, sealedAt, deps.ttlSeconds),
        );
      } catch (error) {
        // A late writer stored past the drained tip before the seal: drain that too, then seal.
        if ((error as { code?: unknown }).code !== 'CHUNK_CONFLICT') throw error;
        await pump.loadTip();
        continue;
      }
    }
    if (result.appended === 0 && result.exhausted)
      await context.sleep(Math.min(deps.pollMs, Math.max(1, quietAfter - Date.now())));
  }
}

/** A second drain of a sealed log meets the seal when it appends: the first seal stands. */
async function sealedBefore(store: LogStore, executionId: string, error: unknown): Promise<LogSeal> {
  const seal =
    (error as { code?: unknown }).code === 'LOG_SEALED' ? (await store.getExecution(executionId))?.seal : undefined;
  if (!seal) throw error;
  return seal;
}
