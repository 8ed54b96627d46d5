import {
  backoffDelay,
  judgeCompleteness,
  LogNeverSealedError,
  LogstreamError,
  type ExecutionRecord,
  type LogSeal,
  type TerminalStatus,
} from '../domain';
import { LogGapError, type StoredChunk } from '../ports';
import { BacklogReader } from './backlog-reader';
import { ChunkWindow } from './chunk-window';
import type { FinalStatus, TailMember, TailSettings } from './tail-interfaces';
import type { TippedTail } from './tip-feed';

/**
 * The DynamoDB poll loop of one execution, fanning each new batch out to its members (see `TailHub`). The tail of a
 * pushed log is mostly fed by the hub's tip feed (`offer`): it reads the store itself when the feed says the log grew
 * but brought no chunk, when the feed's tips are stale or missing, and at least every `tipTrustMs` whatever they say.
 */
export class Tail implements TippedTail {
  /** Highest index fanned out; every index up to it is stored. */
  position = 0;
  final: FinalStatus | undefined;
  failure: LogstreamError | undefined;
  retired = false;
  readonly subscribers = new Set<TailMember>();
  readonly ready: Promise<void>;
  /** Where subscribers page their backlogs: the window of chunks this tail holds, else the store. */
  readonly backlog: BacklogReader;
  private readonly window: ChunkWindow;
  private timer: NodeJS.Timeout | undefined;
  private delay: number;
  private lastSealCheck = 0;
  private lastDirectoryCheck: number;
  /** The log is pushed: the forwarder stores it and publishes its tips. */
  private pushed = false;
  private lastStoreRead = Number.NEGATIVE_INFINITY;
  private lastPublishAt = Number.NEGATIVE_INFINITY;
  private ticking = false;
  private wakeAgain = false;
  /** The feed asked for a read of the store (the log grew past what it brought). */
  private woken = false;
  /** A seal the feed read, for the next tick to finish at. */
  private pendingSeal: LogSeal | undefined;

  constructor(
    readonly executionId: string,
    private readonly settings: TailSettings,
    private readonly onFailure: () => void,
  ) {
    this.delay = settings.pollMinMs;
    this.lastDirectoryCheck = settings.now();
    this.window = new ChunkWindow({ maxEvents: settings.windowEvents, maxBytes: settings.windowShare });
    this.backlog = new BacklogReader(executionId, this.window, settings.joinStore, settings.backlogFillEvents);
    this.ready = this.load();
  }

  get tipped(): boolean {
    return this.pushed && this.settings.feed !== undefined && !this.retired && !this.final && !this.failure;
  }

  offer(chunk: StoredChunk | undefined, tip: number, readOn = true): void {
    if (!this.tipped) return;
    try {
      // The feed read this chunk for the position it saw; the tail may have moved on since.
      if (chunk && chunk.seq <= this.position + 1 && chunk.last > this.position) {
        this.publish(chunk, Number.POSITIVE_INFINITY);
        this.lastPublishAt = this.settings.now();
      }
    } catch (error) {
      // A chunk starting past the position cannot pass the check above; a tail that cannot publish fails as a poll would.
      this.fail(error instanceof LogstreamError ? error : new LogstreamError('TAIL_FAILED', String(error)));
      return;
    }
    if (readOn && this.position < tip) this.wake();
  }

  get idleMs(): number {
    return this.settings.now() - this.lastPublishAt;
  }

  offerRecord(record: ExecutionRecord | undefined): void {
    if (!this.tipped || record?.seal === undefined) return;
    this.pendingSeal = record.seal;
    this.wake();
  }

  stop(): void {
    this.retired = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async load(): Promise<void> {
    const { joinStore } = this.settings;
    const [latest, record] = await Promise.all([
      joinStore.latestChunk(this.executionId),
      joinStore.getExecution(this.executionId),
    ]);
    this.position = latest?.last ?? 0;
    this.pushed = record?.ingest === 'push';
    this.lastPublishAt = this.settings.now();
    this.lastStoreRead = this.settings.now();
    // Joiners whose backlog starts in the latest chunk take it from here.
    if (latest) this.window.add(latest);
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

  /** Reads the store now: the log grew past what the feed brought. */
  private wake(): void {
    if (this.retired || this.final || this.failure) return;
    this.woken = true;
    if (this.ticking) {
      this.wakeAgain = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.delay = this.settings.pollMinMs;
    this.schedule(0);
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    this.ticking = true;
    this.wakeAgain = false;
    try {
      await this.step();
    } finally {
      this.ticking = false;
    }
    // Woken while it read: the log grew past what that read saw, read again now rather than after the delay.
    if (this.wakeAgain && this.timer) {
      clearTimeout(this.timer);
      this.schedule(0);
    }
  }

  private async step(): Promise<void> {
    const { pollMinMs, pollMaxMs, sealCheckMs, directoryCheckMs, feed, now, logger } = this.settings;
    // The feed reads idle tipped tails' seals in batches: the tail's own look (which also asks the directory) is rarer.
    const sealEvery = this.tipped && feed?.checksSeals ? Math.max(sealCheckMs, directoryCheckMs) : sealCheckMs;
    try {
      const seal = this.pendingSeal;
      this.pendingSeal = undefined;
      if (seal !== undefined) {
        await this.finishAt(seal.status, seal.lastIndex);
      } else if (await this.poll()) {
        this.delay = pollMinMs;
        this.lastPublishAt = now();
      } else {
        this.delay = backoffDelay(2, { baseMs: this.delay, maxMs: pollMaxMs, jitter: 'none' });
        // The seal comes after the last chunk: only worth reading once new chunks stop coming.
        if (!this.retired && now() - this.lastSealCheck >= sealEvery && now() - this.lastPublishAt >= sealEvery) {
          await this.checkCompletion();
        }
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
    const { feed, now, tipTrustMs } = this.settings;
    const fed = this.pushed && feed?.tipOf(this.executionId) !== undefined;
    const woken = this.woken;
    this.woken = false;
    // While the feed's tips are fresh, the feed brings new chunks (or wakes the tail when it could not): the tail reads
    // the store by itself only when woken, and once every `tipTrustMs` whatever the tips say.
    if (fed && !woken && now() - this.lastStoreRead < tipTrustMs) return false;
    this.lastStoreRead = now();
    // One consistent Query per tick; most ticks find nothing or exactly the one chunk it returns.
    const latest = await this.settings.store.latestChunk(this.executionId);
    if (this.retired || !latest || latest.last <= this.position) return false;
    if (latest.seq <= this.position + 1) {
      this.publish(latest, Number.POSITIVE_INFINITY);
      return true;
    }
    for await (const chunk of this.settings.store.readChunks(this.executionId, this.position + 1)) {
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
    if (!this.retired) throw new LogNeverSealedError(this.executionId);
  }

  /** Ends the tail at the seal if there is one; true when it did. */
  private async finishIfSealed(): Promise<boolean> {
    const record = await this.settings.store.getExecution(this.executionId);
    // A tail that started before the execution was registered learns its ingest mode here.
    if (record?.ingest === 'push' && !this.pushed) {
      this.pushed = true;
      this.settings.feed?.wake();
    }
    if (this.retired || !record?.seal) return false;
    await this.finishAt(record.seal.status, record.seal.lastIndex);
    return true;
  }

  /** Fans out the events up to `lastIndex`, then the final status. */
  private async finishAt(status: TerminalStatus, lastIndex: number): Promise<void> {
    if (this.position < lastIndex) {
      for await (const chunk of this.settings.store.readChunks(this.executionId, this.position + 1)) {
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
    const from = this.position + 1;
    if (chunk.seq > from) throw new LogGapError(this.executionId, from);
    // The same batch (and frame) serves the live feed and, later, joiners' backlogs.
    const batch = this.window.add(chunk).batch(from, upTo);
    if (batch === undefined) return;
    this.position = batch.last;
    const newest = batch.events[batch.events.length - 1];
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
