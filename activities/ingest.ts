import { Context } from '@temporalio/activity';
import type { LogLocation } from '../src/domain';
import { LogPump, type LogSource, type LogStore } from '../src/ports';

/** Poll pacing of live ingestion. */
export interface PollPacing {
  /** Interval while lines flow (ms). */
  readonly minMs: number;
  /** Interval reached after a quiet spell, doubling from `minMs` (ms). */
  readonly maxMs: number;
}

/** Input of `ingest`. */
export interface IngestInput {
  readonly executionId: string;
  readonly location: LogLocation;
}

/** What the ingest loop reports in its heartbeats. */
export interface IngestProgress {
  readonly lastIndex: number;
  /** CloudWatch calls per second over the last heartbeat period. */
  readonly cloudWatchCallsPerSecond: number;
}

/** Dependencies of the ingest loop. */
export interface IngestDeps {
  readonly store: LogStore;
  readonly source: LogSource;
  readonly pacing: PollPacing;
}

/**
 * Live ingestion: polls CloudWatch and appends to the log store until cancelled. Polls fast while
 * lines flow and backs off when quiet or when a dependency fails; never skips an event because
 * the cursor moves only with stored chunks. Safe to retry or run twice (see `LogPump`).
 */
export async function ingest(deps: IngestDeps, input: IngestInput): Promise<void> {
  const context = Context.current();
  const pump = new LogPump(deps.store, deps.source, {
    executionId: input.executionId,
    location: input.location,
  });
  let delay = deps.pacing.minMs;
  let windowStart = Date.now();
  let windowCalls = 0;
  let rate = 0;
  for (;;) {
    try {
      const result = await pump.pump();
      delay = result.appended > 0 ? deps.pacing.minMs : Math.min(deps.pacing.maxMs, delay * 2);
    } catch (error) {
      delay = Math.min(deps.pacing.maxMs * 4, Math.max(delay * 2, 500));
      context.log.warn('ingest poll failed; backing off', {
        executionId: input.executionId,
        delayMs: delay,
        error: String(error),
      });
    }
    const now = Date.now();
    if (now - windowStart >= 1000) {
      const calls = pump.sourceCalls;
      rate = ((calls - windowCalls) * 1000) / (now - windowStart);
      windowCalls = calls;
      windowStart = now;
    }
    context.heartbeat({
      lastIndex: pump.knownTip?.lastIndex ?? 0,
      cloudWatchCallsPerSecond: Math.round(rate * 100) / 100,
    } satisfies IngestProgress);
    // Rejects with the cancellation when the workflow stops live ingestion.
    await context.sleep(delay);
  }
}
