import type { IndexedEvent, TerminalStatus } from '../domain';
import { Backoff } from '../domain/backoff';
import { followLog, type FollowPhase, type TailConnect } from './follow-loop';
import type { ApiHttp } from './http';
import { pause } from './pause';
import {
  toDescription,
  toLogPage,
  toSearchPage,
  type ExecutionDescription,
  type LogPage,
  type SearchPage,
} from './views';
import type { ExecutionView, LogsView, SealWaitOptions, SearchOptions, SearchView } from './wire-views';

/** Options of `logs()`. */
export interface LogPageOptions {
  /** Events with an index above this one (default 0: from the start). */
  readonly sinceIndex?: number;
  /** At most this many events (the API's default 10,000). */
  readonly limit?: number;
}

/** Options of `allLogs()`. */
export interface AllLogsOptions extends SealWaitOptions {
  /** Events with an index above this one (default 0: from the start). */
  readonly sinceIndex?: number;
}

/** Options of `follow()`. */
export interface FollowOptions extends SealWaitOptions {
  /** Events with an index above this one (default 0: from the start). */
  readonly sinceIndex?: number;
  /** Failed attempts in a row (API unreachable, 5xx, dropped socket) with no new event before giving up (default 20). */
  readonly maxRetries?: number;
  /** Told where the follow is: paging the stored log, live, reconnecting (and why), waiting for the seal. */
  readonly onPhase?: (phase: FollowPhase) => void;
}

/** What `follow()` yields: each event once, in index order, then the final status once the log is sealed. */
export type FollowItem =
  | ({ readonly kind: 'event' } & IndexedEvent)
  | { readonly kind: 'status'; readonly status: TerminalStatus; readonly lastIndex: number };

/** Options of `complete()`. */
export interface CompleteOptions {
  readonly status: TerminalStatus;
  /** When the job ended (default: when the API receives the call); a string is ISO 8601. */
  readonly completedAt?: Date | number | string;
  readonly exitCode?: number;
  /** Events the job put into CloudWatch, when it counted them: the seal's proof then needs no CloudWatch read. */
  readonly eventCount?: number;
}

// How long a reader waits for the seal of a completed execution whose final drain still runs.
const DEFAULT_SEAL_WAIT_MS = 60_000;

/** One execution of the logstream API, the way a Temporal `WorkflowHandle` is one workflow. */
export class ExecutionHandle {
  constructor(
    readonly executionId: string,
    private readonly http: ApiHttp,
    private readonly connect: TailConnect,
  ) {}

  private get path(): string {
    return `/executions/${encodeURIComponent(this.executionId)}`;
  }

  /** Its status, completion and seal. */
  async describe(): Promise<ExecutionDescription> {
    return toDescription(await this.http.request<ExecutionView>('GET', this.path));
  }

  /** One page of its log: the events with an index above `sinceIndex`. */
  async logs(options: LogPageOptions = {}): Promise<LogPage> {
    const query = new URLSearchParams({ since_index: String(options.sinceIndex ?? 0) });
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    return toLogPage(await this.http.request<LogsView>('GET', `${this.path}/logs?${query.toString()}`));
  }

  /**
   * Every event with index > `sinceIndex` as of now, a page at a time as they are consumed; resolves with the last
   * page. A completed execution whose final drain still runs is waited for (within `sealWaitMs`) so that its sealed
   * log is what is read. Check `sealed` on the result: false means the events are not provably the whole log (the
   * execution runs, its seal did not come in time, or it never will).
   */
  async *allLogs(options: AllLogsOptions = {}): AsyncGenerator<IndexedEvent, LogPage, undefined> {
    let since = options.sinceIndex ?? 0;
    let page = await this.logs({ sinceIndex: since });
    if (page.status !== 'RUNNING' && !page.sealed && page.sealPending && (await this.waitSealed(options))) {
      page = await this.logs({ sinceIndex: since });
    }
    for (;;) {
      yield* page.events;
      if (page.nextIndex === null) return page;
      since = page.nextIndex;
      page = await this.logs({ sinceIndex: since });
    }
  }

  /** One page of matches of `query` (see `search()`). */
  async searchPage(query: string, options: SearchOptions = {}): Promise<SearchPage> {
    const params = new URLSearchParams({ q: query, since_index: String(options.sinceIndex ?? 0) });
    if (options.regex) params.set('regex', '1');
    if (options.caseSensitive) params.set('case', '1');
    if (options.limit !== undefined) params.set('limit', String(options.limit));
    if (options.stream !== undefined) params.set('stream', options.stream);
    return toSearchPage(await this.http.request<SearchView>('GET', `${this.path}/search?${params.toString()}`));
  }

  /**
   * The events whose message matches `query` (plain text, or RE2 with `regex`; case ignored unless `caseSensitive`),
   * in index order, searched on the server a page at a time as they are consumed; resolves with the last page. Like
   * `allLogs`, a completed execution whose final drain runs is waited for (within `sealWaitMs`), and `sealed` on the
   * result says whether every match of the whole log was found.
   */
  async *search(query: string, options: SearchOptions = {}): AsyncGenerator<IndexedEvent, SearchPage, undefined> {
    const since = options.sinceIndex ?? 0;
    let page = await this.searchPage(query, { ...options, sinceIndex: since });
    if (page.status !== 'RUNNING' && !page.sealed && page.sealPending && (await this.waitSealed(options))) {
      page = await this.searchPage(query, { ...options, sinceIndex: since });
    }
    for (;;) {
      yield* page.matches;
      if (page.nextIndex === null) return page;
      page = await this.searchPage(query, { ...options, sinceIndex: page.nextIndex });
    }
  }

  /** Polls its status until the log is sealed (true), or `sealWaitMs` passes or no seal can come (false). */
  async waitSealed(options: SealWaitOptions = {}): Promise<boolean> {
    const deadline = Date.now() + (options.sealWaitMs ?? DEFAULT_SEAL_WAIT_MS);
    const poll = new Backoff({ baseMs: 100, maxMs: 1000, jitter: 'none' });
    for (;;) {
      const view = await this.describe();
      if (view.sealed) return true;
      // A completed execution whose workflow is gone never gets a seal: no point in waiting.
      if (!view.sealPending || Date.now() >= deadline) return false;
      await pause(Math.min(poll.next(), Math.max(1, deadline - Date.now())), options.signal);
    }
  }

  /**
   * Every event with index above `sinceIndex`, each once and in order, until the log is sealed; the last item is the
   * final status. What is stored is paged, then a running execution is tailed over WebSocket. A dropped connection
   * or an API that is away for a while is resumed from the last event yielded (no gap, no duplicate); it gives up
   * after `maxRetries` failed attempts in a row. Rejects with `LogNotSealedError` when the log is not sealed in time
   * or never will be. Breaking out of the loop ends the follow.
   */
  async *follow(options: FollowOptions = {}): AsyncGenerator<FollowItem, void, undefined> {
    const source = {
      executionId: this.executionId,
      readPage: (sinceIndex: number) => this.logs({ sinceIndex }),
      sealState: () => this.describe(),
    };
    for await (const batch of followLog(source, this.connect, options)) {
      if (batch.kind === 'status') {
        yield { kind: 'status', status: batch.status, lastIndex: batch.lastIndex };
        return;
      }
      for (const event of batch.events) yield { kind: 'event', ...event };
    }
  }

  /** Signals the completion of an external execution. */
  async complete(options: CompleteOptions): Promise<void> {
    const at = options.completedAt instanceof Date ? options.completedAt.getTime() : options.completedAt;
    await this.http.request('POST', `${this.path}/complete`, {
      status: options.status,
      completed_at: at,
      exit_code: options.exitCode,
      event_count: options.eventCount,
    });
  }

  /** Stops it (its status becomes STOPPED). */
  async stop(): Promise<void> {
    await this.http.request('POST', `${this.path}/stop`, {});
  }
}
