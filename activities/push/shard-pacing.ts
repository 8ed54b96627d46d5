import { backoffDelay } from '../../src/domain';

/** How a shard consumer spaces its GetRecords calls (ms between the starts of two calls). */
export interface ShardPacingOptions {
  /** Spacing while records flow or the reader is behind: 250 ms = 4 calls/s, under Kinesis's 5 per shard. */
  readonly busyMs: number;
  /** Spacing reached after a quiet spell, doubling from `busyMs`. */
  readonly idleMs: number;
  /** Widest spacing throttling can push the busy pace to. */
  readonly throttledMaxMs: number;
  /** First back-off after a failed call (ms); doubles with every failure in a row. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** Source of jitter in [0, 1). */
  readonly random?: () => number;
}

/**
 * Defaults: 4 reads/s, idle or not, within the 5 GetRecords calls/s Kinesis allows per shard. The first line after a
 * quiet spell waits for the next read: at 1 read/s when idle (the default before) it waited up to a second, half of
 * the tail's budget, and 200 executions starting together met a forwarder at that pace, whose first rounds then stored
 * a second's worth of records each (p99 from Kinesis to the socket 1.3-2.3 s at the start, against 1.0 s now, in
 * `npm run bench -- push-poll --modes push --counts 200`). An empty read costs nothing on AWS (provisioned streams
 * bill shard hours, on-demand ones the bytes read); a stream shared with other consumers still halves the pace when
 * Kinesis refuses a read for rate.
 */
export const DEFAULT_SHARD_PACING: ShardPacingOptions = {
  busyMs: 250,
  idleMs: 250,
  throttledMaxMs: 4000,
  backoffBaseMs: 250,
  backoffMaxMs: 30_000,
};

/**
 * Paces the GetRecords calls of one shard consumer. Kinesis allows 5 calls/s per shard shared by every consumer of
 * the shard: the busy pace stays under it, a quiet shard is read once a second, and a refusal for rate
 * (ProvisionedThroughputExceeded: someone else reads the shard too) halves the pace, which a tenth of the lost ground
 * per successful read wins back. Other failures back off exponentially with jitter.
 */
export class ShardPacer {
  private floorMs: number;
  private spacingMs: number;
  private failures = 0;
  private readonly random: () => number;

  constructor(private readonly options: ShardPacingOptions = DEFAULT_SHARD_PACING) {
    this.floorMs = options.busyMs;
    this.spacingMs = options.busyMs;
    this.random = options.random ?? Math.random;
  }

  /** The current spacing between two reads (ms). */
  get currentSpacingMs(): number {
    return this.spacingMs;
  }

  /**
   * A read succeeded; `busy` when it returned records or the shard has more behind it. Returns the spacing from the
   * start of that read to the start of the next one (ms).
   */
  succeeded(busy: boolean): number {
    this.failures = 0;
    const { busyMs, idleMs } = this.options;
    this.floorMs = Math.max(busyMs, this.floorMs - busyMs / 10);
    this.spacingMs = busy ? this.floorMs : Math.max(this.floorMs, Math.min(idleMs, this.spacingMs * 2));
    return this.spacingMs;
  }

  /** A read was refused for rate: halves the pace; returns the wait before the next read (ms). */
  throttled(): number {
    this.floorMs = Math.min(this.options.throttledMaxMs, this.floorMs * 2);
    this.spacingMs = Math.max(this.spacingMs, this.floorMs);
    return this.failed();
  }

  /** A call failed (or a write it fed failed): the jittered, doubling wait before trying again (ms). */
  failed(): number {
    this.failures++;
    const { backoffBaseMs, backoffMaxMs } = this.options;
    const step = backoffDelay(this.failures, { baseMs: backoffBaseMs, maxMs: backoffMaxMs, jitter: 'none' });
    const ceiling = Math.max(this.floorMs, step);
    // Half fixed, half random, so that consumers failing together do not come back together; never under the pace.
    return Math.max(this.floorMs, Math.round(ceiling / 2 + (this.random() * ceiling) / 2));
  }
}
