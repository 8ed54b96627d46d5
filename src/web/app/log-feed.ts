/// <reference lib="dom" />
import { ApiError } from '../../client/errors';
import { followLog, type FollowPhase, type FollowSource } from '../../client/follow-loop';
import { toLogPage, type LogPage } from '../../client/views';
import type { LogsView } from '../../client/wire-views';
import { api, type ExecutionView, type LogEvent } from './api';
import { connectBrowserTail } from './browser-tail';

/** Where the feed is: loading pages, live on the socket, reconnecting, waiting for the seal, or done. */
export type FeedPhase = 'loading' | 'live' | 'reconnecting' | 'sealing' | 'done' | 'failed';

/** What the feed tells the page. */
export interface FeedState {
  readonly phase: FeedPhase;
  readonly lastIndex: number;
  readonly status?: string;
  readonly sealed?: boolean;
  /** A sentence for people: why it reconnects, where it resumed, why the log is not whole. */
  readonly note?: string;
}

/** Callbacks of a feed. */
export interface FeedHandlers {
  events(events: LogEvent[]): void;
  state(state: FeedState): void;
}

const PAGE = 10_000;
// The page keeps trying while it is open, waiting longer each time up to this.
const RETRY = { baseMs: 250, maxMs: 10_000 };
// How long to wait for a completed log's seal, polling its status, before showing it marked not sealed.
const SEAL_WAIT_MS = 120_000;

/**
 * An execution's log through the client's resume loop (pages of `/logs`, then the WebSocket from the last index
 * while it runs, resumed from the last line held after a drop), with the browser's WebSocket. A completed log that
 * is not sealed in time is shown, marked as possibly incomplete.
 */
export class LogFeed {
  private last = 0;
  private status: string | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly executionId: string,
    private readonly handlers: FeedHandlers,
  ) {}

  /** Starts reading after line `sinceIndex` (0: from the first line). */
  start(sinceIndex = 0): void {
    this.last = sinceIndex;
    void this.run(sinceIndex);
  }

  /** Stops reading and closes the socket. */
  stop(): void {
    this.abort.abort(new Error('the page stopped reading'));
  }

  private get base(): string {
    return `/executions/${encodeURIComponent(this.executionId)}`;
  }

  private async run(sinceIndex: number): Promise<void> {
    const source: FollowSource = {
      executionId: this.executionId,
      readPage: async (since) => {
        const page: LogPage = toLogPage(await api<LogsView>(`${this.base}/logs?since_index=${since}&limit=${PAGE}`));
        this.status = page.status;
        return page;
      },
      sealState: async () => {
        const view = await api<ExecutionView>(this.base);
        return { sealed: view.sealed, sealPending: view.seal_pending ?? false };
      },
    };
    try {
      const batches = followLog(source, connectBrowserTail, {
        sinceIndex,
        maxRetries: Number.POSITIVE_INFINITY,
        sealWaitMs: SEAL_WAIT_MS,
        acceptUnsealed: true,
        backoff: RETRY,
        signal: this.abort.signal,
        onPhase: (phase) => this.onPhase(phase),
      });
      for await (const batch of batches) {
        if (batch.kind === 'events') {
          this.last = batch.events[batch.events.length - 1]?.index ?? this.last;
          this.handlers.events([...batch.events]);
          continue;
        }
        this.report({
          phase: 'done',
          status: batch.status,
          sealed: batch.sealed,
          note: batch.sealed ? undefined : 'This log is not sealed: the lines shown may be incomplete.',
        });
      }
    } catch (error) {
      if (this.abort.signal.aborted) return;
      const note =
        error instanceof ApiError ? `${error.code}: ${error.message}` : (error as Error).message || String(error);
      this.report({ phase: 'failed', note });
    }
  }

  private onPhase(phase: FollowPhase): void {
    switch (phase.phase) {
      case 'loading':
        this.report({ phase: 'loading', status: this.status });
        return;
      case 'live':
        this.report({
          phase: 'live',
          status: 'RUNNING',
          note: phase.resumed ? `Reconnected: resumed after line ${this.last}.` : undefined,
        });
        return;
      case 'reconnecting':
        this.report({ phase: 'reconnecting', note: `${phase.reason}: resuming after line ${this.last}…` });
        return;
      case 'sealing':
        this.report({
          phase: 'sealing',
          status: this.status,
          sealed: false,
          note: 'Not sealed yet: waiting for the final drain.',
        });
    }
  }

  private report(state: Omit<FeedState, 'lastIndex'>): void {
    this.handlers.state({ ...state, lastIndex: this.last });
  }
}
