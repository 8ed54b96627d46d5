/// <reference lib="dom" />
import type { ServerFrame } from '../../contract';
import { api, ApiError, type ExecutionView, type LogEvent, type LogsPage } from './api';

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
const MAX_RETRY_MS = 10_000;
// How long to wait for a completed log's seal, polling its status, before saying it is not sealed.
const SEAL_WAIT_MS = 120_000;

/**
 * An execution's log, following the strategy: RUNNING → page through `/logs`, then the WebSocket from
 * the last index; COMPLETED → page through `/logs` once, no socket. A dropped socket (or a gap) resumes
 * from the last index held: through `/logs` for what was missed, then a new socket with a new ticket.
 */
export class LogFeed {
  private last = 0;
  private socket: WebSocket | undefined;
  private stopped = false;
  private failures = 0;
  private finalStatus: string | undefined;

  constructor(
    private readonly executionId: string,
    private readonly handlers: FeedHandlers,
  ) {}

  /** Starts reading after line `sinceIndex` (0: from the first line). */
  start(sinceIndex = 0): void {
    this.last = sinceIndex;
    void this.catchUp();
  }

  /** Stops reading and closes the socket. */
  stop(): void {
    this.stopped = true;
    this.socket?.close(1000);
  }

  private get base(): string {
    return `/executions/${encodeURIComponent(this.executionId)}`;
  }

  private async catchUp(resumed = false): Promise<void> {
    try {
      for (;;) {
        if (this.stopped) return;
        const page = await api<LogsPage>(`${this.base}/logs?since_index=${this.last}&limit=${PAGE}`);
        this.accept(page.events);
        if (page.next_index !== null && page.events.length > 0) {
          this.report({ phase: 'loading', status: page.status, sealed: page.sealed });
          continue;
        }
        this.failures = 0;
        if (page.websocket_url) {
          this.connect(page.websocket_url, resumed);
          return;
        }
        if (page.sealed || !page.seal_pending) {
          this.report({
            phase: 'done',
            status: page.status,
            sealed: page.sealed,
            note: page.sealed ? undefined : 'This log is not sealed and never will be: it may be incomplete.',
          });
          return;
        }
        await this.waitForSeal(page.status);
      }
    } catch (error) {
      if (error instanceof ApiError && error.status < 500 && error.status !== 429) {
        this.report({ phase: 'failed', note: `${error.code}: ${error.message}` });
        return;
      }
      this.retry(`could not read the log (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  private async waitForSeal(status: string): Promise<void> {
    this.report({ phase: 'sealing', status, sealed: false, note: 'Not sealed yet: waiting for the final drain.' });
    const deadline = Date.now() + SEAL_WAIT_MS;
    while (!this.stopped && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const view = await api<ExecutionView>(this.base);
      if (view.sealed || view.seal_pending === false) return;
    }
    this.report({
      phase: 'sealing',
      status,
      sealed: false,
      note: 'Still not sealed: the lines shown may be incomplete.',
    });
  }

  private accept(events: readonly LogEvent[]): void {
    const fresh = events.filter((event) => event.index > this.last);
    if (fresh.length === 0) return;
    if (fresh[0]?.index !== this.last + 1) throw new Error(`gap after line ${this.last}`);
    this.last = fresh[fresh.length - 1]?.index ?? this.last;
    this.handlers.events(fresh);
  }

  private connect(url: string, resumed: boolean): void {
    // The API builds ws:// from its Host header; a page served over TLS must use wss://.
    const socket = new WebSocket(location.protocol === 'https:' ? url.replace(/^ws:/, 'wss:') : url);
    this.socket = socket;
    this.finalStatus = undefined;
    socket.addEventListener('open', () =>
      this.report({
        phase: 'live',
        status: 'RUNNING',
        note: resumed ? `Reconnected: resumed after line ${this.last}.` : undefined,
      }),
    );
    socket.addEventListener('message', (message: MessageEvent<string>) => {
      const data = JSON.parse(message.data) as ServerFrame;
      try {
        if (data.type === 'events') this.accept(data.events);
        else if (data.type === 'status') this.finalStatus = data.status;
      } catch {
        socket.close(4000, 'gap');
      }
    });
    socket.addEventListener('close', (event) => {
      if (this.stopped || socket !== this.socket) return;
      this.socket = undefined;
      if (event.code === 1000 && this.finalStatus) {
        this.report({ phase: 'done', status: this.finalStatus, sealed: true });
        return;
      }
      // 4010: the log will never be sealed; /logs says so. Anything else: resume from the last line held.
      this.retry(event.code === 4010 ? undefined : `connection lost (${event.code})`);
    });
  }

  private retry(reason: string | undefined): void {
    if (this.stopped) return;
    this.failures++;
    const delay = reason === undefined ? 0 : Math.min(MAX_RETRY_MS, 250 * 2 ** Math.min(this.failures, 6));
    if (reason !== undefined) {
      this.report({ phase: 'reconnecting', note: `${reason}: resuming after line ${this.last}…` });
    }
    setTimeout(() => void this.catchUp(true), delay);
  }

  private report(state: Omit<FeedState, 'lastIndex'>): void {
    this.handlers.state({ ...state, lastIndex: this.last });
  }
}
