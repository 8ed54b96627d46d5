import type { Logger } from 'pino';
import {
  judgeCompleteness,
  LogNotSealedError,
  LogstreamError,
  type IndexedEvent,
  type LogEvent,
  type TerminalStatus,
} from '../domain';
import { LogGapError, type ExecutionDirectory, type LogStore, type StoredChunk } from '../ports';

/** How a tail ends: the log is sealed at `lastIndex` (a tail never ends on an unsealed log). */
export interface FinalStatus {
  readonly status: TerminalStatus;
  readonly lastIndex: number;
}

/** Consecutive events of one log, shared by every subscriber they are fanned out to. */
export class EventBatch {
  private frame: string | undefined;

  /** `events` must be non-empty, with consecutive indexes. */
  constructor(readonly events: readonly IndexedEvent[]) {
    if (events.length === 0) throw new RangeError('an event batch holds at least one event');
  }

  get first(): number {
    return this.events[0]?.index ?? 0;
  }

  get last(): number {
    return this.events[this.events.length - 1]?.index ?? 0;
  }

  /** The events with an index above `index` (this batch itself when none is cut off). */
  after(index: number): EventBatch {
    return index < this.first ? this : new EventBatch(this.events.slice(index - this.first + 1));
  }

  /** The `events` message, serialized once however many sockets send it. */
  message(): string {
    this.frame ??= JSON.stringify({ type: 'events', events: this.events });
    return this.frame;
  }
}

/** Where a subscription delivers: the hub calls it with consecutive events, then at most one of `finish`/`fail`. */
export interface TailSink {
  /** The events right after the last ones delivered (the first batch follows the subscriber's `lastIndex`). */
  deliver(batch: EventBatch): void;
  /** Resolves when the sink can take more backlog (its send buffer has drained enough). */
  drained(): Promise<void>;
  /** Every event up to `final.lastIndex` was delivered: the log is complete. */
  finish(final: FinalStatus): void;
  /** The tail cannot go on; the client may reconnect from its last index. */
  fail(error: LogstreamError): void;
}

/** A sink's membership in a tail. */
export interface TailSubscription {
  /** The highest index delivered so far. */
  readonly lastIndex: number;
  /** Leaves the tail (idempotent); the last one to leave stops its poll loop. */
  close(): void;
}

/** Options of the hub. */
export interface TailHubOptions {
  readonly store: LogStore;
  /** Asked, rarely, whether an idle unsealed log belongs to an execution that ended without sealing it. */
  readonly directory?: ExecutionDirectory;
  readonly logger: Logger;
  readonly activeTails?: { inc(): void; dec(): void };
  /** Observes, per new batch, seconds from the last event's timestamp to its publication (ingest lag). */
  readonly ingestLag?: { observe(seconds: number): void };
  /** Poll interval while events flow (ms). */
  readonly pollMinMs: number;
  /** Poll interval reached when idle, doubling from `pollMinMs` (ms). */
  readonly pollMaxMs: number;
  /** How often an idle tail reads the seal (ms). */
  readonly sealCheckMs?: number;
  /** How often an idle unsealed tail asks the directory whether the workflow is gone (ms). */
  readonly directoryCheckMs?: number;
  /** Live events a catching-up subscriber queues before it switches to reading them from the store. */
  readonly maxPendingEvents?: number;
  readonly now?: () => number;
}

type Settings = Required<Omit<TailHubOptions, 'directory' | 'activeTails' | 'ingestLag'>> &
  Pick<TailHubOptions, 'directory' | 'activeTails' | 'ingestLag'>;

/**
 * One DynamoDB poll loop per watched execution, shared by all its subscribers. Each new chunk is
 * read once and the same batch object is handed to every subscriber (its JSON frame is serialized
 * once too), so the read rate does not grow with the number of sockets.
 *
 * Join protocol (no gap, no duplicate): the tail's `position` is the highest index it has fanned
 * out, and every index ≤ `position` is in the store. A subscriber is added in the same synchronous
 * step as it reads `position` (its join point J), so every live batch after that is > J and reaches
 * it. It pages its backlog (lastIndex, J] from the store while queueing those live batches, then,
 * again without awaiting, flushes the queue and turns live. Delivery drops indexes it already sent
 * and refuses to skip one, so an overlap can never repeat an event and a hole can never pass
 * silently. A subscriber that queues too much while catching up drops its queue and reads up to the
 * tail's new position from the store instead (memory stays bounded; nothing is lost).
 */
export class TailHub {
  private readonly tails = new Map<string, Tail>();
  private readonly settings: Settings;
  private closed = false;

  constructor(options: TailHubOptions) {
    this.settings = {
      sealCheckMs: 1000,
      directoryCheckMs: 10_000,
      maxPendingEvents: 50_000,
      now: Date.now,
      ...options,
    };
  }

  /** Executions with a running (or finished but still watched) tail. */
  get activeTailCount(): number {
    return this.tails.size;
  }

  /**
   * Subscribes `sink` to `executionId` after `lastIndex`: it receives every later event exactly
   * once and in order, then the final status. Rejects when the tail cannot start (store unreachable).
   */
  async subscribe(executionId: string, lastIndex: number, sink: TailSink): Promise<TailSubscription> {
    for (;;) {
      if (this.closed) throw new LogstreamError('TAIL_HUB_CLOSED', 'the server is shutting down');
      let tail = this.tails.get(executionId);
      if (!tail) {
        const created = new Tail(executionId, this.settings, () => this.retire(created));
        tail = created;
        this.tails.set(executionId, created);
        this.settings.activeTails?.inc();
        created.ready.catch(() => this.retire(created));
      }
      await tail.ready;
      if (tail.failure) throw tail.failure;
      // The last subscriber left while this one waited: the loop is gone, start another.
      if (tail.retired) continue;
      const joined = tail;
      const subscriber = new Subscriber(joined, sink, lastIndex, this.settings);
      joined.subscribers.add(subscriber);
      void subscriber.catchUp();
      return {
        get lastIndex() {
          return subscriber.lastSent;
        },
        close: () => {
          subscriber.stop();
          joined.subscribers.delete(subscriber);
          if (joined.subscribers.size === 0) this.retire(joined);
        },
      };
    }
  }

  /** Stops every tail; their sinks are closed by whoever owns them. */
  close(): void {
    this.closed = true;
    for (const tail of [...this.tails.values()]) this.retire(tail);
  }

  private retire(tail: Tail): void {
    tail.stop();
    if (this.tails.get(tail.executionId) === tail) {
      this.tails.delete(tail.executionId);
      this.settings.activeTails?.dec();
    }
  }
}

/** The poll loop of one execution. */
class Tail {
  /** Highest index fanned out; every index up to it is stored. */
  position = 0;
  final: FinalStatus | undefined;
  failure: LogstreamError | undefined;
  retired = false;
  readonly subscribers = new Set<Subscriber>();
  readonly ready: Promise<void>;
  private timer: NodeJS.Timeout | undefined;
  private delay: number;
  private lastSealCheck = 0;
  private lastDirectoryCheck: number;

  constructor(
    readonly executionId: string,
    private readonly settings: Settings,
    private readonly onFailure: () => void,
  ) {
    this.delay = settings.pollMinMs;
    this.lastDirectoryCheck = settings.now();
    this.ready = this.load();
  }

  get store(): LogStore {
    return this.settings.store;
  }

  stop(): void {
    this.retired = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async load(): Promise<void> {
    const [latest, record] = await Promise.all([
      this.store.latestChunk(this.executionId),
      this.store.getExecution(this.executionId),
    ]);
    this.position = latest?.last ?? 0;
    this.lastSealCheck = this.settings.now();
    if (record?.seal) {
      // Sealed already: nobody is subscribed yet, and the seal proves (position, lastIndex] is stored.
      // Capped at the seal: a chunk a late writer stored past it is not part of the log.
      this.position = record.seal.lastIndex;
      this.final = { status: record.seal.status, lastIndex: record.seal.lastIndex };
      return;
    }
    this.schedule(this.settings.pollMinMs);
  }

  private schedule(delayMs: number): void {
    if (this.retired || this.final || this.failure) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    const { pollMinMs, pollMaxMs, sealCheckMs, now, logger } = this.settings;
    try {
      if (await this.poll()) {
        this.delay = pollMinMs;
      } else {
        this.delay = Math.min(pollMaxMs, this.delay * 2);
        // The seal comes after the last chunk: only worth reading once new chunks stop coming.
        if (!this.retired && now() - this.lastSealCheck >= sealCheckMs) await this.checkCompletion();
      }
    } catch (error) {
      if (this.retired) return;
      const code = (error as { code?: unknown }).code;
      if (error instanceof LogstreamError && (code === 'LOG_GAP' || code === 'LOG_NOT_SEALED')) {
        this.fail(error);
        return;
      }
      // Only a dependency failing is worth retrying; anything else (a malformed item, a bug) would
      // fail again forever while the sockets wait in silence.
      if ((error as { retryable?: unknown }).retryable !== true) {
        logger.error({ executionId: this.executionId, err: error }, 'tail failed');
        this.fail(new LogstreamError('TAIL_FAILED', `the tail of ${this.executionId} failed`, { cause: error }));
        return;
      }
      this.delay = Math.min(pollMaxMs * 5, Math.max(this.delay * 2, 500));
      logger.warn({ executionId: this.executionId, err: error, delayMs: this.delay }, 'tail poll failed; backing off');
    }
    this.schedule(this.delay);
  }

  /** Reads chunks after `position` and fans them out; true when there were any. */
  private async poll(): Promise<boolean> {
    // One consistent Query per tick; most ticks find nothing or exactly the one chunk it returns.
    const latest = await this.store.latestChunk(this.executionId);
    if (this.retired || !latest || latest.last <= this.position) return false;
    if (latest.seq <= this.position + 1) {
      this.publish(latest, Number.POSITIVE_INFINITY);
      return true;
    }
    for await (const chunk of this.store.readChunks(this.executionId, this.position + 1)) {
      if (this.retired) break;
      this.publish(chunk, Number.POSITIVE_INFINITY);
    }
    return true;
  }

  private async checkCompletion(): Promise<void> {
    const { now, directory, directoryCheckMs } = this.settings;
    this.lastSealCheck = now();
    if (await this.finishIfSealed()) return;
    if (this.retired || !directory || now() - this.lastDirectoryCheck < directoryCheckMs) return;
    this.lastDirectoryCheck = now();
    const info = await directory.describe(this.executionId);
    if (this.retired) return;
    const verdict = judgeCompleteness({
      sealed: false,
      running: info?.status === 'RUNNING',
      open: info?.open ?? false,
    });
    if (verdict.sealPending) return;
    // The workflow is gone. Its drain seals before it closes, so read the seal once more: without it the
    // log will never be sealed, and the tail says so rather than end on a status it cannot promise.
    if (await this.finishIfSealed()) return;
    if (!this.retired) throw new LogNotSealedError(this.executionId);
  }

  /** Ends the tail at the seal if there is one; true when it did. */
  private async finishIfSealed(): Promise<boolean> {
    const record = await this.store.getExecution(this.executionId);
    if (this.retired || !record?.seal) return false;
    await this.finishAt(record.seal.status, record.seal.lastIndex);
    return true;
  }

  /** Fans out the events up to `lastIndex`, then the final status. */
  private async finishAt(status: TerminalStatus, lastIndex: number): Promise<void> {
    if (this.position < lastIndex) {
      for await (const chunk of this.store.readChunks(this.executionId, this.position + 1)) {
        if (this.retired) return;
        this.publish(chunk, lastIndex);
        if (this.position >= lastIndex) break;
      }
      if (this.retired) return;
      if (this.position < lastIndex) throw new LogGapError(this.executionId, this.position + 1);
    } else if (this.position > lastIndex) {
      this.settings.logger.error(
        { executionId: this.executionId, position: this.position, lastIndex },
        'stored events past the seal were already sent',
      );
    }
    this.final = { status, lastIndex };
    for (const subscriber of [...this.subscribers]) subscriber.onFinal(this.final);
  }

  private publish(chunk: StoredChunk, upTo: number): void {
    const events = eventsOf(chunk, this.position + 1, upTo);
    if (events === undefined) throw new LogGapError(this.executionId, this.position + 1);
    if (events.length === 0) return;
    const batch = new EventBatch(events);
    this.position = batch.last;
    const newest = events[events.length - 1];
    if (newest) this.settings.ingestLag?.observe(Math.max(0, this.settings.now() - newest.timestamp) / 1000);
    for (const subscriber of [...this.subscribers]) subscriber.onLive(batch);
  }

  private fail(error: LogstreamError): void {
    this.failure = error;
    this.settings.logger.error({ executionId: this.executionId, err: error }, 'tail failed');
    this.onFailure();
    for (const subscriber of [...this.subscribers]) subscriber.fail(error);
  }
}

/** One sink's way through a tail: backlog from the store, then the live feed. */
class Subscriber {
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
    private readonly settings: Settings,
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
    for await (const chunk of this.tail.store.readChunks(this.tail.executionId, expected)) {
      if (this.done()) return;
      const events = eventsOf(chunk, expected, upTo);
      if (events === undefined) throw new LogGapError(this.tail.executionId, expected);
      if (events.length > 0) this.deliver(new EventBatch(events));
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

/**
 * The events of `chunk` with index in [from, upTo], or undefined when the chunk starts after `from`
 * (the store skipped an index).
 */
function eventsOf(chunk: StoredChunk, from: number, upTo: number): IndexedEvent[] | undefined {
  if (chunk.seq > from) return undefined;
  const events: IndexedEvent[] = [];
  const stored: readonly LogEvent[] = chunk.events;
  for (let offset = from - chunk.seq; offset < stored.length; offset++) {
    const index = chunk.seq + offset;
    if (index > upTo) break;
    const event = stored[offset];
    if (event) events.push({ index, timestamp: event.timestamp, message: event.message });
  }
  return events;
}
