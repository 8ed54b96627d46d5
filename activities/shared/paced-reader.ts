import { Context } from '@temporalio/activity';
import { failureKind, isRetryableFailure, type LogLocation } from '../../src/domain';
import { LogPump, type LogSource, type LogStore, type PumpResult } from '../../src/ports';
import { DEFAULT_READ_PACING, nonRetryableFailure, ReadPacer, type ReadPacerOptions } from './read-pacing';

/** What an activity copying CloudWatch into the store needs (live ingest and the final drain). */
export interface PacedReaderDeps {
  readonly store: LogStore;
  readonly source: LogSource;
  /** Pacing against the account-wide read quota (default `DEFAULT_READ_PACING`). */
  readonly readPacing?: ReadPacerOptions;
  /** Waits `ms`, rejecting when the activity is cancelled (default: the activity context's sleep). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Clock (epoch ms), default `Date.now`. */
  readonly now?: () => number;
}

/**
 * One execution's pump paced against the account-wide read quota, for an activity's read loop: each
 * pump says how long to wait before the next; after a failure, `backoff` says how long to wait it out
 * (throttling also slows the pace) or raises what retrying cannot fix as a non-retryable failure.
 */
export class PacedReader {
  readonly pump: LogPump;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  private readonly pacer: ReadPacer;
  private readonly context = Context.current();
  private startedAt = 0;
  private callsBefore = 0;

  constructor(
    deps: PacedReaderDeps,
    private readonly input: { readonly executionId: string; readonly location: LogLocation },
    /** Names the loop in its warnings ("ingest", "drain"). */
    private readonly loop: string,
  ) {
    this.pump = new LogPump(deps.store, deps.source, { executionId: input.executionId, location: input.location });
    this.pacer = new ReadPacer(deps.readPacing ?? DEFAULT_READ_PACING);
    this.sleep = deps.sleep ?? ((ms: number) => this.context.sleep(ms));
    this.now = deps.now ?? Date.now;
  }

  /** Pumps once; `waitMs` is the spacing the read quota asks for before the next read. Failures are thrown as is. */
  async read(): Promise<{ result: PumpResult; waitMs: number }> {
    this.startedAt = this.now();
    this.callsBefore = this.pump.sourceCalls;
    const result = await this.pump.pump();
    return { result, waitMs: this.pacer.succeeded(this.calls(), this.now() - this.startedAt) };
  }

  /** The wait after `error` failed the last read (logged); throws it as non-retryable when retrying cannot fix it. */
  backoff(error: unknown): number {
    const kind = failureKind(error);
    if (!isRetryableFailure(kind)) throw nonRetryableFailure(error);
    const waitMs = this.pacer.failed(kind, this.calls(), this.now() - this.startedAt);
    this.context.log.warn(`${this.loop} read failed; backing off`, {
      executionId: this.input.executionId,
      delayMs: waitMs,
      throttled: kind === 'throttled',
      error: String(error),
    });
    return waitMs;
  }

  private calls(): number {
    return this.pump.sourceCalls - this.callsBefore;
  }
}
