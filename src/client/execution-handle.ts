import type { IndexedEvent, TerminalStatus } from '../domain';
import { ApiError } from './errors';
import { pause } from './pause';
import type { ExecutionView, LogsView, SearchOptions, SearchView, TailOptions } from './wire-views';
import { toDescription, toLogPage, type ExecutionDescription, type LogPage } from './views';

export type { ExecutionDescription, LogPage } from './views';

/** Options of `logs()`. */
export interface LogPageOptions {
  /** Events with an index above this one (default 0: from the start). */
  readonly sinceIndex?: number;
  /** At most this many events (the API's default 10,000). */
  readonly limit?: number;
}

/** Options of `follow()`. */
export interface FollowOptions extends Omit<TailOptions, 'maxRetries'> {
  /** Events with an index above this one (default 0: from the start). */
  readonly sinceIndex?: number;
  /** Failed attempts in a row (API unreachable, 5xx, dropped socket) with no new event before giving up (default 20). */
  readonly maxRetries?: number;
}

/** What `follow()` yields: each event once, in index order, then the final status once the log is sealed. */
export type FollowItem =
  | ({ readonly kind: 'event' } & IndexedEvent)
  | { readonly kind: 'status'; readonly status: TerminalStatus; readonly lastIndex: number };

/** Options of `complete()`. */
export interface CompleteOptions {
  readonly status: TerminalStatus;
  /** When the job ended (default: when the API receives the call). */
  readonly completedAt?: Date | number;
  readonly exitCode?: number;
  /** Events the job put into CloudWatch, when it counted them: the seal's proof then needs no CloudWatch read. */
  readonly eventCount?: number;
}

/** The calls of the API a handle is built on (the client's wire-level methods). */
export interface ExecutionCalls {
  status(executionId: string): Promise<ExecutionView>;
  logs(executionId: string, sinceIndex?: number, limit?: number): Promise<LogsView>;
  follow(
    executionId: string,
    onEvent: (event: IndexedEvent) => void,
    sinceIndex?: number,
    options?: TailOptions,
  ): Promise<ExecutionView>;
  complete(
    executionId: string,
    status: TerminalStatus,
    completedAt?: string | number,
    exitCode?: number,
    eventCount?: number,
  ): Promise<unknown>;
  stop(executionId: string): Promise<unknown>;
  search(executionId: string, query: string, options?: SearchOptions): AsyncGenerator<IndexedEvent, SearchView>;
}

const DEFAULT_FOLLOW_RETRIES = 20;

/** One execution of the logstream API, the way a Temporal `WorkflowHandle` is one workflow. */
export class ExecutionHandle {
  constructor(
    readonly executionId: string,
    private readonly calls: ExecutionCalls,
  ) {}

  /** Its status, completion and seal. */
  async status(): Promise<ExecutionDescription> {
    return toDescription(await this.calls.status(this.executionId));
  }

  /** One page of its log. */
  async logs(options: LogPageOptions = {}): Promise<LogPage> {
    return toLogPage(await this.calls.logs(this.executionId, options.sinceIndex ?? 0, options.limit));
  }

  /**
   * The events whose message matches `query` (plain text, or RE2 with `regex`; case ignored unless `caseSensitive`),
   * in index order, searched on the server a page at a time as they are consumed.
   */
  async *search(query: string, options: SearchOptions = {}): AsyncGenerator<IndexedEvent, void, undefined> {
    yield* this.calls.search(this.executionId, query, options);
  }

  /** Signals the completion of an external execution. */
  async complete(options: CompleteOptions): Promise<void> {
    const at = options.completedAt instanceof Date ? options.completedAt.getTime() : options.completedAt;
    await this.calls.complete(this.executionId, options.status, at, options.exitCode, options.eventCount);
  }

  /** Stops it (its status becomes STOPPED). */
  async stop(): Promise<void> {
    await this.calls.stop(this.executionId);
  }

  /**
   * Every event with index above `sinceIndex`, each once and in order, until the log is sealed; the last item is the
   * final status. A dropped connection or an API that is away for a while is resumed from the last event yielded (no
   * gap, no duplicate); it gives up after `maxRetries` failed attempts in a row. Rejects with `LogNotSealedError` when
   * the log is not sealed in time or never will be. Breaking out of the loop ends the follow.
   */
  async *follow(options: FollowOptions = {}): AsyncGenerator<FollowItem, void, undefined> {
    const maxRetries = options.maxRetries ?? DEFAULT_FOLLOW_RETRIES;
    let last = options.sinceIndex ?? 0;
    // What is stored is paged one page at a time, as the consumer takes the events: a reader of a long log holds one
    // page, not the log.
    for (let failures = 0; ;) {
      let page: LogsView;
      try {
        page = await this.calls.logs(this.executionId, last);
      } catch (error) {
        if (options.signal?.aborted || !isTransient(error) || ++failures > maxRetries) throw error;
        await pause(backoffMs(failures), options.signal);
        continue;
      }
      failures = 0;
      // A completed execution's unsealed read is not paged here: the follow below waits for the seal, or says so.
      if (!page.sealed && page.status !== 'RUNNING') break;
      for (const event of page.events) {
        if (event.index <= last) continue;
        if (event.index !== last + 1)
          throw new ApiError(0, 'TAIL_GAP', `expected index ${last + 1}, got ${event.index}`);
        last = event.index;
        yield { kind: 'event', ...event };
      }
      if (page.next_index !== null) continue;
      if (page.sealed && page.status !== 'RUNNING') {
        yield { kind: 'status', status: page.status, lastIndex: page.last_index };
        return;
      }
      break;
    }
    // At the tip of a running execution: tail the rest.
    yield* this.tail(last, maxRetries, options);
  }

  /** Tails from `since` over WebSocket (through the client's resuming tail), resuming after failures of its own. */
  private async *tail(
    since: number,
    maxRetries: number,
    options: FollowOptions,
  ): AsyncGenerator<FollowItem, void, undefined> {
    const abort = new AbortController();
    const onOuterAbort = (): void => abort.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const queue: IndexedEvent[] = [];
    let wake: (() => void) | undefined;
    let last = since;
    let received = last;
    let outcome: { final: ExecutionView } | { error: unknown } | undefined;
    const accept = (event: IndexedEvent): void => {
      // Each attempt restarts from the last event received; anything at or below it was delivered already.
      if (event.index <= received) return;
      if (event.index !== received + 1) {
        throw new ApiError(0, 'TAIL_GAP', `expected index ${received + 1}, got ${event.index}`);
      }
      received = event.index;
      queue.push(event);
      wake?.();
    };
    const run = async (): Promise<ExecutionView> => {
      for (let failures = 0; ;) {
        const before = received;
        try {
          return await this.calls.follow(this.executionId, accept, received, {
            ...options,
            maxRetries,
            signal: abort.signal,
          });
        } catch (error) {
          if (abort.signal.aborted || !isTransient(error)) throw error;
          failures = received > before ? 1 : failures + 1;
          if (failures > maxRetries) throw error;
          await pause(backoffMs(failures), abort.signal);
        }
      }
    };
    void run().then(
      (final) => {
        outcome = { final };
        wake?.();
      },
      (error: unknown) => {
        outcome = { error };
        wake?.();
      },
    );
    try {
      for (;;) {
        const event = queue.shift();
        if (event !== undefined) {
          last = event.index;
          yield { kind: 'event', ...event };
          continue;
        }
        if (outcome !== undefined) {
          if ('error' in outcome) throw outcome.error;
          const status = outcome.final.status;
          if (status === 'RUNNING') throw new ApiError(0, 'TAIL_FAILED', `follow of ${this.executionId} ended RUNNING`);
          yield { kind: 'status', status, lastIndex: Math.max(last, outcome.final.last_index) };
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      options.signal?.removeEventListener('abort', onOuterAbort);
      abort.abort(new ApiError(0, 'FOLLOW_ENDED', 'the consumer stopped following'));
    }
  }
}

/** A failure that a retry may get past: the API unreachable or failing for now, or a dropped tail. */
function isTransient(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  if (error.code === 'LOG_NOT_SEALED') return false;
  return error.status === 0 || error.status === 429 || error.status >= 500;
}

function backoffMs(failures: number): number {
  return Math.min(5000, 100 * 2 ** failures);
}
