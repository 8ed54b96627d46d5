import { LogstreamError } from '../domain';
import { Tail } from './tail';
import type { TailHubOptions, TailSettings, TailSink, TailSubscription } from './tail-interfaces';
import { Subscriber } from './tail-subscriber';
import { TipFeed } from './tip-feed';

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
 * tail's new position as backlog instead (memory stays bounded; nothing is lost).
 *
 * Backlogs come from the tail's window of chunks (those it published and those read for earlier
 * joiners) when it holds them, and otherwise from the store one read at a time per tail, shared by
 * every subscriber waiting for that range: a wave of joiners costs about one backlog read, not one each.
 *
 * With `tips` (push ingest), the tails of pushed logs do not poll: one `TipFeed` per hub reads the forwarders' tips
 * and brings each tail behind its tip its next chunks in batch reads (see `TipFeed` and `Tail`).
 */
export class TailHub {
  private readonly tails = new Map<string, Tail>();
  private readonly settings: TailSettings;
  private readonly feed: TipFeed | undefined;
  private closed = false;

  constructor(options: TailHubOptions) {
    const defaults = {
      sealCheckMs: 1000,
      directoryCheckMs: 10_000,
      maxPendingEvents: 50_000,
      windowEvents: 20_000,
      windowBytes: 8 * 1024 * 1024,
      hubWindowBytes: 64 * 1024 * 1024,
      backlogFillEvents: 5000,
      tipTrustMs: 30_000,
      now: Date.now,
    };
    const { tips, ...rest } = options;
    const settings = { ...defaults, ...rest, joinStore: options.joinStore ?? options.store };
    this.feed = tips
      ? new TipFeed(
          {
            ...tips,
            everyMs: settings.pollMinMs,
            sealCheckMs: settings.sealCheckMs,
            logger: settings.logger,
            now: settings.now,
          },
          () => this.tails.values(),
        )
      : undefined;
    this.settings = {
      ...settings,
      feed: this.feed,
      windowShare: () => Math.min(settings.windowBytes, settings.hubWindowBytes / Math.max(1, this.tails.size)),
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
      if (tail.tipped) this.feed?.wake();
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
    this.feed?.close();
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
