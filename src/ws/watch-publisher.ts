import { WatchRenewal } from '../ports';

/** Options of a watch publisher. */
export interface WatchPublisherOptions {
  /** Publishes the watches (see `PushRegistry.putWatches`). */
  readonly watch: (executionIds: readonly string[], untilMs: number) => Promise<void>;
  /** How long a watch lasts (ms), default 60 s; it is renewed once half over. */
  readonly watchMs?: number;
  /** A publication failed: it is tried again at the next `publish`. */
  readonly onError: (error: unknown) => void;
  readonly now?: () => number;
}

/**
 * Tells the forwarders which pushed executions someone reads live (a tail, a reader polling `/logs` of a running
 * log), so that they store those executions' lines at once instead of holding them back for bigger chunks. A watch is
 * written once a minute per execution at most, several in one batch, one publication at a time (in the background);
 * a failed one costs latency only, and is tried again next time.
 */
export class WatchPublisher {
  private readonly renewal: WatchRenewal;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: WatchPublisherOptions) {
    this.renewal = new WatchRenewal(options);
  }

  /** Publishes the watches of `executionIds` that are missing or half over; forgets those that are over. */
  publish(executionIds: Iterable<string>): void {
    if (this.inFlight !== undefined) return;
    this.inFlight = this.renewal
      .renew(executionIds)
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => (this.inFlight = undefined));
  }

  /** Resolves once no publication is in flight. */
  async settle(): Promise<void> {
    while (this.inFlight !== undefined) await this.inFlight;
  }

  /** Forgets the executions not in `kept`: a watch published again for one of them is a new one. */
  retain(kept: ReadonlySet<string>): void {
    this.renewal.retain(kept);
  }
}
