// The interfaces between the tail hub, its tails and the sockets they feed (inside the API process; what goes over
// the wire is in src/contract).
import type { Logger } from 'pino';
import type { LogstreamError, TerminalStatus } from '../domain';
import type { ChunkBatchReader, ExecutionDirectory, LogStore } from '../ports';
import type { EventBatch } from './event-batch';
import type { TipFeed, TipSource } from './tip-feed';

/** How a tail ends: the log is sealed at `lastIndex` (a tail never ends on an unsealed log). */
export interface FinalStatus {
  readonly status: TerminalStatus;
  readonly lastIndex: number;
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
  /**
   * Where the reads made for joining subscribers go (a tail's start, backlogs not in its window); default
   * `store`. A second instance of the same store lets those reads be observed apart from the poll loop's.
   */
  readonly joinStore?: LogStore;
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
  /** Live events a catching-up subscriber queues before it switches to reading them as backlog. */
  readonly maxPendingEvents?: number;
  /** Most events a tail keeps in memory for backlogs (its recent chunks, and those read for joiners). */
  readonly windowEvents?: number;
  /** Most bytes (estimated) a tail keeps in memory for backlogs. */
  readonly windowBytes?: number;
  /** Most bytes all tails keep together: with many tails, each gets its share (at most `windowBytes`). */
  readonly hubWindowBytes?: number;
  /** Events one backlog read from the store takes at most before the next waiting range gets its turn. */
  readonly backlogFillEvents?: number;
  /**
   * Push ingest: where the tails of pushed logs learn that their logs grew (the forwarders' tips), and how they
   * read the next chunks of many logs at once. Without it every tail polls its log (see `TipFeed`).
   */
  readonly tips?: { readonly source: TipSource; readonly chunks?: ChunkBatchReader };
  /** How long a tail of a pushed log goes on trusting the tips' "nothing new" before it reads the store anyway (ms). */
  readonly tipTrustMs?: number;
  readonly now?: () => number;
}

/** The hub's options with their defaults filled in, as every tail and subscriber reads them. */
export type TailSettings = Required<Omit<TailHubOptions, 'directory' | 'activeTails' | 'ingestLag' | 'tips'>> &
  Pick<TailHubOptions, 'directory' | 'activeTails' | 'ingestLag'> & {
    /** The window bytes each tail may hold now (its share of `hubWindowBytes`). */
    readonly windowShare: () => number;
    /** The hub's tip feed, when the hub has tips. */
    readonly feed?: TipFeed;
  };

/** What a tail fans out to: one subscriber's side of the join protocol (see `TailHub`). */
export interface TailMember {
  onLive(batch: EventBatch): void;
  onFinal(final: FinalStatus): void;
  fail(error: LogstreamError): void;
}
