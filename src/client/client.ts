import type { IndexedEvent, TerminalStatus } from '../domain';
import { ApiError, ApiUnreachableError, apiErrorFor, LogNotSealedError } from './errors';
import { pause } from './pause';
import { ExecutionHandle } from './execution-handle';
import { connectTail, type TailResult } from './tail-connection';
import type {
  ExecutionSummary,
  ExecutionView,
  ListOptions,
  LogsView,
  SealWaitOptions,
  SearchOptions,
  SearchView,
  StartedView,
  TailOptions,
} from './wire-views';

export {
  ApiError,
  ApiUnreachableError,
  AuthenticationError,
  ExecutionConflictError,
  ExecutionExistsError,
  ExecutionNotFoundError,
  InvalidRequestError,
  LogNotSealedError,
  ServiceUnavailableError,
} from './errors';
export {
  ExecutionHandle,
  type CompleteOptions,
  type ExecutionDescription,
  type FollowItem,
  type FollowOptions,
  type LogPage,
  type LogPageOptions,
} from './execution-handle';
export type { TailResult } from './tail-connection';
export type {
  ExecutionSummary,
  ExecutionView,
  ListOptions,
  LogsView,
  SealWaitOptions,
  SearchOptions,
  SearchView,
  StartedView,
  TailOptions,
} from './wire-views';

// How long a reader waits for the seal of a completed execution whose final drain still runs.
const DEFAULT_SEAL_WAIT_MS = 60_000;

/** Options of `start()`: a command to run, or the CloudWatch stream an external job writes to. */
export type StartOptions =
  | { readonly command: readonly string[]; readonly executionId?: string }
  | { readonly logGroup: string; readonly logStream: string; readonly executionId?: string };

/** Options of the client. */
export interface ClientOptions {
  /** API base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly apiKey?: string;
}

/** The programmatic client of the logstream API (what the CLI and the tests use). */
export class LogstreamClient {
  private readonly base: string;

  constructor(private readonly options: ClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  /** A handle on one execution (no call is made until one of its methods is). */
  execution(executionId: string): ExecutionHandle {
    return new ExecutionHandle(executionId, this);
  }

  /** Starts a managed execution (`command`) or registers an external one (`logGroup`/`logStream`); returns its handle. */
  async start(options: StartOptions): Promise<ExecutionHandle> {
    const started =
      'command' in options
        ? await this.run(options.command, options.executionId)
        : await this.register(options.logGroup, options.logStream, options.executionId);
    return this.execution(started.execution_id);
  }

  /** Starts a managed execution running `command`. */
  run(command: readonly string[], executionId?: string): Promise<StartedView> {
    return this.request('POST', '/executions', { command, execution_id: executionId });
  }

  /** Registers an external execution whose job writes to `logGroup`/`logStream` (or to several streams). */
  register(logGroup: string, logStream: string | readonly string[], executionId?: string): Promise<StartedView> {
    return this.request('POST', '/executions', {
      log_group: logGroup,
      ...(typeof logStream === 'string' ? { log_stream: logStream } : { log_streams: logStream }),
      execution_id: executionId,
    });
  }

  /** Executions, newest first. */
  async list(options: ListOptions = {}): Promise<ExecutionSummary[]> {
    const query = new URLSearchParams();
    if (options.status !== undefined) query.set('status', options.status);
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    const search = query.toString();
    const body = await this.request<{ executions: ExecutionSummary[] }>(
      'GET',
      `/executions${search ? `?${search}` : ''}`,
    );
    return body.executions;
  }

  status(executionId: string): Promise<ExecutionView> {
    return this.request('GET', `/executions/${encodeURIComponent(executionId)}`);
  }

  complete(
    executionId: string,
    status: 'SUCCEEDED' | 'FAILED' | 'STOPPED',
    completedAt?: string | number,
    exitCode?: number,
    eventCount?: number,
  ): Promise<unknown> {
    return this.request('POST', `/executions/${encodeURIComponent(executionId)}/complete`, {
      status,
      completed_at: completedAt,
      exit_code: exitCode,
      event_count: eventCount,
    });
  }

  stop(executionId: string): Promise<unknown> {
    return this.request('POST', `/executions/${encodeURIComponent(executionId)}/stop`, {});
  }

  /** One page of `/logs`. */
  logs(executionId: string, sinceIndex = 0, limit?: number): Promise<LogsView> {
    const query = new URLSearchParams({ since_index: String(sinceIndex) });
    if (limit !== undefined) query.set('limit', String(limit));
    return this.request('GET', `/executions/${encodeURIComponent(executionId)}/logs?${query.toString()}`);
  }

  /** One page of `/search`: events whose message matches `query`, with index > `options.sinceIndex`. */
  searchPage(executionId: string, query: string, options: SearchOptions = {}): Promise<SearchView> {
    const params = new URLSearchParams({ q: query, since_index: String(options.sinceIndex ?? 0) });
    if (options.regex) params.set('regex', '1');
    if (options.caseSensitive) params.set('case', '1');
    if (options.limit !== undefined) params.set('limit', String(options.limit));
    if (options.stream !== undefined) params.set('stream', options.stream);
    return this.request('GET', `/executions/${encodeURIComponent(executionId)}/search?${params.toString()}`);
  }

  /**
   * Every event whose message matches `query` as of now, searched on the server page by page; resolves with the last
   * page. Like `allLogs`, a completed execution whose final drain runs is waited for (within `sealWaitMs`), and
   * `sealed` on the result says whether every match of the whole log was found.
   */
  async *search(
    executionId: string,
    query: string,
    options: SearchOptions = {},
  ): AsyncGenerator<IndexedEvent, SearchView> {
    let since = options.sinceIndex ?? 0;
    let page = await this.searchPage(executionId, query, { ...options, sinceIndex: since });
    if (page.status !== 'RUNNING' && !page.sealed && page.seal_pending) {
      if (await this.waitSealed(executionId, options)) {
        page = await this.searchPage(executionId, query, { ...options, sinceIndex: since });
      }
    }
    for (;;) {
      for (const match of page.matches) yield match;
      if (page.next_index === null) return page;
      since = page.next_index;
      page = await this.searchPage(executionId, query, { ...options, sinceIndex: since });
    }
  }

  /**
   * Every event with index > `sinceIndex` as of now, paging through `/logs`; resolves with the last
   * page. A completed execution whose final drain still runs is waited for (within `sealWaitMs`) so
   * that its sealed log is what is read. Check `sealed` on the result: false means the events are not
   * provably the whole log (the execution runs, its seal did not come in time, or it never will).
   */
  async *allLogs(
    executionId: string,
    sinceIndex = 0,
    options: SealWaitOptions = {},
  ): AsyncGenerator<IndexedEvent, LogsView> {
    let since = sinceIndex;
    let page = await this.logs(executionId, since);
    if (page.status !== 'RUNNING' && !page.sealed && page.seal_pending) {
      if (await this.waitSealed(executionId, options)) page = await this.logs(executionId, since);
    }
    for (;;) {
      for (const event of page.events) yield event;
      if (page.next_index === null) return page;
      since = page.next_index;
      page = await this.logs(executionId, since);
    }
  }

  /** Polls the status until the log is sealed (true) or `sealWaitMs` passes or no seal can come (false). */
  async waitSealed(executionId: string, options: SealWaitOptions = {}): Promise<boolean> {
    const deadline = Date.now() + (options.sealWaitMs ?? DEFAULT_SEAL_WAIT_MS);
    for (let attempt = 0; ; attempt++) {
      const view = await this.status(executionId);
      if (view.sealed) return true;
      // A completed execution whose workflow is gone never gets a seal: no point in waiting.
      if (!view.seal_pending || Date.now() >= deadline) return false;
      await pause(Math.min(1000, 100 * 2 ** attempt, Math.max(1, deadline - Date.now())), options.signal);
    }
  }

  /**
   * Every event with index > `sinceIndex` until the execution's log is sealed: pages what is stored,
   * then, while the execution runs, tails the rest over WebSocket. Resolves with the final view once
   * the log is sealed; rejects with `LogNotSealedError` when it is not (its workflow ended without
   * the final drain, or the seal did not come within `sealWaitMs`).
   */
  async follow(
    executionId: string,
    onEvent: (event: IndexedEvent) => void,
    sinceIndex = 0,
    options: TailOptions = {},
  ): Promise<ExecutionView> {
    const pages = this.allLogs(executionId, sinceIndex, options);
    let last = sinceIndex;
    let next = await pages.next();
    for (; !next.done; next = await pages.next()) {
      last = next.value.index;
      onEvent(next.value);
    }
    // The last page's websocket_url resumes right after the last event paged.
    const page = next.value;
    if (page.status === 'RUNNING' && page.websocket_url) {
      await this.tail(page.websocket_url, onEvent, options);
    } else if (!page.sealed) {
      throw new LogNotSealedError(executionId, Math.max(last, sinceIndex), page.seal_pending);
    }
    return this.status(executionId);
  }

  /**
   * Follows a RUNNING execution over WebSocket from `websocketUrl` (as `/logs` returns it): calls
   * `onEvent` once per event, in index order, and resolves with the final status once the log is
   * sealed. After an abnormal close it reads `/logs?since_index=<last seen>` (a fresh ticket, and
   * the events missed meanwhile) and reconnects from there, so nothing is lost or repeated. An
   * execution that completed meanwhile is read to its end from its sealed log; one whose log is not
   * sealed within `sealWaitMs` (or never will be) rejects with `LogNotSealedError`.
   */
  async tail(
    websocketUrl: string,
    onEvent: (event: IndexedEvent) => void,
    options: TailOptions = {},
  ): Promise<TailResult> {
    const start = new URL(websocketUrl);
    const executionId = start.searchParams.get('execution_id');
    if (!executionId) throw new ApiError(0, 'INVALID_INPUT', 'websocket_url has no execution_id');
    let last = Number(start.searchParams.get('last_index') ?? '0');
    if (!Number.isSafeInteger(last) || last < 0)
      throw new ApiError(0, 'INVALID_INPUT', 'websocket_url has a bad last_index');
    const accept = (event: IndexedEvent): void => {
      if (event.index <= last) return;
      if (event.index !== last + 1) throw new ApiError(0, 'TAIL_GAP', `expected index ${last + 1}, got ${event.index}`);
      last = event.index;
      onEvent(event);
    };
    const maxRetries = options.maxRetries ?? 8;
    let url: string | undefined = websocketUrl;
    let idle = 0;
    let sealDeadline: number | undefined;
    for (;;) {
      options.signal?.throwIfAborted();
      const before = last;
      let reason: string;
      if (url !== undefined) {
        const outcome = await connectTail(url, accept, options.signal);
        // A status is final only once every event up to its last index has arrived.
        if (outcome.kind === 'done' && last >= outcome.result.last_index) return outcome.result;
        // 401: the ticket expired while waiting; 429/5xx: retry later. Any other refusal is final.
        if (outcome.kind === 'refused' && ![401, 429].includes(outcome.status) && outcome.status < 500) {
          throw new ApiError(outcome.status, outcome.code, outcome.message);
        }
        reason =
          outcome.kind === 'refused'
            ? `HTTP ${outcome.status} ${outcome.code}`
            : outcome.kind === 'dropped'
              ? outcome.reason
              : `status before index ${outcome.result.last_index}`;
      } else {
        reason = 'the API was unreachable';
      }
      idle = last > before ? 0 : idle + 1;
      if (idle > maxRetries) {
        throw new ApiError(0, 'TAIL_FAILED', `tail of ${executionId} failed ${idle} times in a row: ${reason}`);
      }
      if (idle > 0) await pause(Math.min(5000, 100 * 2 ** idle), options.signal);
      url = undefined;
      try {
        for (;;) {
          const page = await this.logs(executionId, last);
          if (page.websocket_url) {
            page.events.forEach(accept);
            url = page.websocket_url;
            break;
          }
          if (!page.sealed) {
            // Completed meanwhile but not sealed: a CloudWatch read (its indexes are for display, not
            // the stored ones) is never passed on as the rest of the log. Wait for the seal, or say so.
            sealDeadline ??= Date.now() + (options.sealWaitMs ?? DEFAULT_SEAL_WAIT_MS);
            if (!page.seal_pending || Date.now() >= sealDeadline) {
              throw new LogNotSealedError(executionId, last, page.seal_pending);
            }
            await pause(500, options.signal);
            continue;
          }
          // Completed meanwhile: the rest comes from the sealed log, complete by construction.
          page.events.forEach(accept);
          if (page.next_index === null) return { status: page.status as TerminalStatus, last_index: page.last_index };
        }
      } catch (error) {
        if (error instanceof LogNotSealedError) throw error;
        // The network or the API failing is what a reconnect waits out; a 4xx answer is final.
        if (!(error instanceof ApiError) || (error.status !== 0 && error.status < 500)) throw error;
      }
    }
  }

  private async request<T>(method: string, path: string, body?: Record<string, unknown>): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiUnreachableError(`cannot reach ${this.base}: ${(error as Error).message}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : {};
    } catch {
      throw new ApiError(response.status, 'BAD_RESPONSE', `non-JSON answer from ${path}`);
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } }).error;
      throw apiErrorFor(response.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `HTTP ${response.status}`);
    }
    return parsed as T;
  }
}
