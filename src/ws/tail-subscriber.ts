import { LogstreamError } from '../domain';
import { LogGapError } from '../ports';
import type { EventBatch } from './event-batch';
import type { Tail } from './tail';
import type { FinalStatus, TailMember, TailSettings, TailSink } from './tail-interfaces';

/** One sink's way through a tail: backlog from the tail's window or the store, then the live feed. */
export class Subscriber implements TailMember {
  private sent: number;
  private state: 'catching-up' | 'live' | 'done' = 'catching-up';
  private pending: EventBatch[] = [];
  private pendingEvents = 0;
  private overflowed = false;
  private readonly joinedAt: number;

  constructor(
    private readonly tail: Tail,
    private readonly sink: TailSink,
    lastIndex: number,
    private readonly settings: TailSettings,
  ) {
    this.sent = lastIndex;
    this.joinedAt = tail.position;
  }

  get lastSent(): number {
    return this.sent;
  }

  /** Pages the backlog up to the join point, then turns live; runs once, right after joining. */
  async catchUp(): Promise<void> {
    let target = this.joinedAt;
    try {
      for (;;) {
        await this.readBacklog(target);
        if (this.done()) return;
        // No await from here to the switch: no live batch can slip between the check and it.
        if (!this.overflowed) break;
        this.overflowed = false;
        target = this.tail.position;
      }
      const queued = this.pending;
      this.pending = [];
      this.pendingEvents = 0;
      this.state = 'live';
      for (const batch of queued) this.deliver(batch);
      if (this.tail.final) this.onFinal(this.tail.final);
    } catch (error) {
      this.fail(
        error instanceof LogstreamError ? error : new LogstreamError('TAIL_FAILED', String(error), { cause: error }),
      );
    }
  }

  onLive(batch: EventBatch): void {
    if (this.state === 'live') {
      this.deliver(batch);
    } else if (this.state === 'catching-up' && !this.overflowed) {
      this.pending.push(batch);
      this.pendingEvents += batch.events.length;
      if (this.pendingEvents > this.settings.maxPendingEvents) {
        this.settings.logger.debug(
          { executionId: this.tail.executionId, pendingEvents: this.pendingEvents },
          'catching-up subscriber queued too much; reading the rest from the store',
        );
        this.overflowed = true;
        this.pending = [];
        this.pendingEvents = 0;
      }
    }
  }

  onFinal(final: FinalStatus): void {
    if (this.state !== 'live') return;
    if (this.sent < final.lastIndex) {
      this.fail(new LogGapError(this.tail.executionId, this.sent + 1));
      return;
    }
    this.state = 'done';
    this.guard(() => this.sink.finish(final));
  }

  fail(error: LogstreamError): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.guard(() => this.sink.fail(error));
  }

  stop(): void {
    this.state = 'done';
    this.pending = [];
  }

  private async readBacklog(upTo: number): Promise<void> {
    let expected = this.sent + 1;
    if (expected > upTo) return;
    for await (const entry of this.tail.backlog.chunksFrom(expected)) {
      if (this.done()) return;
      if (entry.seq > expected) throw new LogGapError(this.tail.executionId, expected);
      const batch = entry.batch(expected, upTo);
      if (batch) this.deliver(batch);
      expected = this.sent + 1;
      if (expected > upTo || this.done()) return;
      // Backlog is read at the consumer's pace: a slow socket never holds more than a chunk or so.
      await this.sink.drained();
    }
    if (!this.done()) throw new LogGapError(this.tail.executionId, expected);
  }

  // A method, not a field test: delivery can end the subscription while a loop runs.
  private done(): boolean {
    return this.state === 'done';
  }

  private deliver(batch: EventBatch): void {
    if (this.state === 'done' || batch.last <= this.sent) return;
    if (batch.first > this.sent + 1) {
      this.fail(new LogGapError(this.tail.executionId, this.sent + 1));
      return;
    }
    const part = batch.after(this.sent);
    this.sent = part.last;
    this.guard(() => this.sink.deliver(part));
  }

  private guard(call: () => void): void {
    try {
      call();
    } catch (error) {
      // A sink that throws is broken (its socket died): drop it rather than the whole fan-out.
      this.state = 'done';
      this.settings.logger.warn({ executionId: this.tail.executionId, err: error }, 'tail sink failed');
    }
  }
}
