import { positionOf, storedCountOf } from '../../src/domain';
import type { LogStore } from '../../src/ports';

/** Options of a running job's gap watch. */
export interface GapWatchOptions {
  readonly store: Pick<LogStore, 'latestChunk'>;
  readonly executionId: string;
  readonly logStream: string;
  /**
   * How long an accepted event may take to be stored (ms): CloudWatch's delivery, the forwarder's hold, the settle
   * window. An event accepted longer ago than this and still not stored is a gap.
   */
  readonly allowanceMs: number;
  /** Called once each time the stored count falls behind (again). */
  readonly onGap: (gap: SuspectedGap) => void;
  readonly now?: () => number;
}

/** What the watch found: events CloudWatch accepted `allowanceMs` ago or earlier, not all stored. */
export interface SuspectedGap {
  readonly executionId: string;
  readonly acceptedBefore: number;
  /** Events accepted by then. */
  readonly accepted: number;
  /** Events the log holds now. */
  readonly stored: number;
}

/**
 * Watches a running job's log for a gap while it runs, not only at its seal: the runner knows how many events
 * CloudWatch accepted and when, and every chunk counts what the log holds. Events accepted more than `allowanceMs`
 * ago that the log still lacks (a disabled subscription, a stalled forwarder) are reported at once; the seal still
 * proves the log, and recovers what is missing, at completion. One store read per check.
 */
export class GapWatch {
  /** (time, events accepted by then), oldest first, thinned to what the allowance still needs. */
  private readonly marks: { at: number; accepted: number }[] = [];
  private reported = false;
  private readonly now: () => number;

  constructor(private readonly options: GapWatchOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Notes how many events CloudWatch has accepted so far. */
  note(accepted: number): void {
    const at = this.now();
    const last = this.marks.at(-1);
    if (last !== undefined && last.accepted === accepted) return;
    this.marks.push({ at, accepted });
    // Only the newest mark older than the allowance is ever compared: drop those before it.
    const due = at - this.options.allowanceMs;
    while (this.marks.length > 1 && (this.marks[1]?.at ?? Number.POSITIVE_INFINITY) <= due) this.marks.shift();
  }

  /** Compares the log with what was accepted `allowanceMs` ago; reports a gap once per episode. */
  async check(): Promise<SuspectedGap | undefined> {
    const due = this.now() - this.options.allowanceMs;
    const mark = [...this.marks].reverse().find((m) => m.at <= due);
    if (mark === undefined || mark.accepted === 0) return undefined;
    const latest = await this.options.store.latestChunk(this.options.executionId);
    const stored = latest === undefined ? 0 : storedCountOf(positionOf(latest.cursor, this.options.logStream));
    // A log stored before counts were kept says nothing either way.
    if (stored === undefined) return undefined;
    if (stored >= mark.accepted) {
      this.reported = false;
      return undefined;
    }
    const gap = { executionId: this.options.executionId, acceptedBefore: mark.at, accepted: mark.accepted, stored };
    if (!this.reported) {
      this.reported = true;
      this.options.onGap(gap);
    }
    return gap;
  }
}
