import { ApplicationFailure } from '@temporalio/activity';
import { backoffDelay, type FailureKind } from '../../src/domain';

/** A non-retryable `ApplicationFailure` carrying the error's code as its type, as the Temporal samples raise. */
export function nonRetryableFailure(error: unknown): ApplicationFailure {
  const e = error as { code?: unknown; name?: unknown; message?: unknown };
  const type = typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'Error';
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return ApplicationFailure.create({
    message,
    type,
    nonRetryable: true,
    cause: error instanceof Error ? error : undefined,
  });
}

/** Options of a read pacer. */
export interface ReadPacerOptions {
  /** Most CloudWatch read calls per second this reader makes while nothing is throttled. */
  readonly maxCallsPerSecond: number;
  /** The rate throttling can push it down to. */
  readonly minCallsPerSecond: number;
  /** First back-off after a failure (ms); doubles with every failure in a row. */
  readonly backoffBaseMs: number;
  /** Longest back-off (ms). */
  readonly backoffMaxMs: number;
  /** Source of jitter in [0, 1). */
  readonly random?: () => number;
}

/** Defaults: a reader's share of GetLogEvents' 25 calls/s account quota, halved at each throttle. */
export const DEFAULT_READ_PACING: ReadPacerOptions = {
  maxCallsPerSecond: 5,
  minCallsPerSecond: 0.25,
  backoffBaseMs: 250,
  backoffMaxMs: 30_000,
};

/**
 * Paces one reader against an account-wide read quota it shares with readers it cannot see: every
 * read waits until its calls fit the reader's current rate; a throttled call halves that rate and
 * a successful read wins a tenth of the maximum back (additive increase, multiplicative decrease),
 * so concurrent readers settle under the quota instead of retrying in lockstep. Failures in a row
 * back off exponentially with jitter (half fixed, half random).
 */
export class ReadPacer {
  private rate: number;
  private failures = 0;
  private readonly random: () => number;

  constructor(private readonly options: ReadPacerOptions = DEFAULT_READ_PACING) {
    this.rate = options.maxCallsPerSecond;
    this.random = options.random ?? Math.random;
  }

  /** The current allowance (calls per second). */
  get callsPerSecond(): number {
    return this.rate;
  }

  /** A read of `calls` calls succeeded in `elapsedMs`: how long to wait before the next one (ms). */
  succeeded(calls: number, elapsedMs: number): number {
    this.failures = 0;
    this.rate = Math.min(this.options.maxCallsPerSecond, this.rate + this.options.maxCallsPerSecond / 10);
    return this.spacing(calls, elapsedMs);
  }

  /** A read failed after `calls` calls in `elapsedMs`: how long to wait before trying again (ms). */
  failed(kind: Extract<FailureKind, 'throttled' | 'transient'>, calls: number, elapsedMs: number): number {
    if (kind === 'throttled') this.rate = Math.max(this.options.minCallsPerSecond, this.rate / 2);
    this.failures++;
    const backoff = backoffDelay(this.failures, {
      baseMs: this.options.backoffBaseMs,
      maxMs: this.options.backoffMaxMs,
      jitter: 'none',
    });
    // Jittered so that readers throttled together do not come back together.
    const ceiling = Math.max(backoff, this.spacing(Math.max(1, calls), elapsedMs));
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  private spacing(calls: number, elapsedMs: number): number {
    return Math.max(0, Math.ceil((calls * 1000) / this.rate - elapsedMs));
  }
}

/** Waits `ms`, heartbeating at least every `everyMs` so a long wait never looks like a lost worker. */
export async function sleepHeartbeating(
  sleep: (ms: number) => Promise<void>,
  heartbeat: () => void,
  ms: number,
  everyMs = 1000,
): Promise<void> {
  let left = ms;
  while (left > 0) {
    const step = Math.min(left, everyMs);
    await sleep(step);
    left -= step;
    if (left > 0) heartbeat();
  }
}
