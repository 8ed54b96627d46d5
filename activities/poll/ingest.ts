import { Context } from '@temporalio/activity';
import { Backoff, type LogLocation } from '../../src/domain';
import { PacedReader, type PacedReaderDeps } from '../shared/paced-reader';
import { sleepHeartbeating } from '../shared/read-pacing';

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
  /** How long the loop waits before its next poll (ms): the poll interval, the read pacing or a back-off. */
  readonly nextPollMs: number;
}

/** Dependencies of the ingest loop. */
export interface IngestDeps extends PacedReaderDeps {
  readonly pacing: PollPacing;
}

/**
 * Live ingestion: polls CloudWatch and appends to the log store until cancelled. Polls fast while
 * lines flow and slows down when quiet; paces its reads against the account-wide quota and backs
 * off with jitter when throttled or when a dependency fails; raises what retrying cannot fix as a
 * non-retryable failure. Never skips an event because the cursor moves only with stored chunks.
 * Safe to retry or run twice (see `LogPump`).
 */
export async function ingest(deps: IngestDeps, input: IngestInput): Promise<void> {
  const context = Context.current();
  const reader = new PacedReader(deps, input, 'ingest');
  const { pump, now } = reader;
  let interval = deps.pacing.minMs;
  // The interval doubles with every quiet read from `minMs`, up to `maxMs`.
  const quiet = new Backoff({ baseMs: 2 * deps.pacing.minMs, maxMs: deps.pacing.maxMs, jitter: 'none' });
  let windowStart = now();
  let windowCalls = 0;
  let rate = 0;
  let delay = 0;
  const heartbeat = (): void =>
    context.heartbeat({
      lastIndex: pump.knownTip?.lastIndex ?? 0,
      cloudWatchCallsPerSecond: Math.round(rate * 100) / 100,
      nextPollMs: delay,
    } satisfies IngestProgress);
  for (;;) {
    try {
      const { result, waitMs } = await reader.read();
      // Lines flowing, or a read that stopped before the end of the stream: look again soon.
      const busy = result.appended > 0 || !result.exhausted;
      if (busy) quiet.reset();
      interval = busy ? deps.pacing.minMs : quiet.next();
      delay = Math.max(interval, waitMs);
    } catch (error) {
      // The drain sealed the log: a leftover attempt has nothing more to do.
      if ((error as { code?: unknown }).code === 'LOG_SEALED') return;
      quiet.reset();
      interval = deps.pacing.minMs;
      delay = Math.max(interval, reader.backoff(error));
    }
    const at = now();
    if (at - windowStart >= 1000) {
      const calls = pump.sourceCalls;
      rate = ((calls - windowCalls) * 1000) / (at - windowStart);
      windowCalls = calls;
      windowStart = at;
    }
    heartbeat();
    // Rejects with the cancellation when the workflow stops live ingestion.
    await sleepHeartbeating(reader.sleep, heartbeat, delay);
  }
}
