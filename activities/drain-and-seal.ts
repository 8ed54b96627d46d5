import { Context } from '@temporalio/activity';
import type { Completion, LogLocation, LogSeal } from '../src/domain';
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
  const expiresAt = Math.ceil(input.completion.completedAt / 1000) + deps.ttlSeconds;
  const pump = new LogPump(deps.store, deps.source, {
    executionId: input.executionId,
    location: input.location,
    expiresAt: () => expiresAt,
  });
  const quietAfter = input.completion.completedAt + input.settleMs;
  for (;;) {
    const startedAt = Date.now();
    const result = await pump.pump();
    context.heartbeat({ lastIndex: result.tip.lastIndex });
    // Quiet = a read that started after the window found nothing and reached the end of every stream.
    if (result.appended === 0 && result.exhausted && startedAt >= quietAfter) {
      return deps.store.sealLog(
        input.executionId,
        {
          ...input.completion,
          lastIndex: result.tip.lastIndex,
          sealedAt: Date.now(),
        },
        expiresAt,
      );
    }
    if (result.appended === 0 && result.exhausted)
      await context.sleep(Math.min(deps.pollMs, Math.max(1, quietAfter - Date.now())));
  }
}
