import { WebSocket, type RawData } from 'ws';
import type { ExecutionStatus, IndexedEvent, TerminalStatus } from '../domain';

// A stalled upgrade is abandoned (and retried) after this long.
const HANDSHAKE_TIMEOUT_MS = 10_000;
// More than two server heartbeats (30 s by default) without a ping or a frame: the connection is dead.
const SILENCE_LIMIT_MS = 75_000;

/** The error the API answered with (`code` as in its JSON body). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** `GET /executions/{id}`. */
export interface ExecutionView {
  readonly execution_id: string;
  readonly status: ExecutionStatus;
  readonly started_at: string | null;
  readonly completed_at: string | null;
  readonly last_index: number;
  readonly sealed: boolean;
  /** The job's exit code once the log is sealed (null when unknown). */
  readonly exit_code: number | null;
}

/** `GET /executions/{id}/logs`. */
export interface LogsView {
  readonly execution_id: string;
  readonly status: ExecutionStatus;
  readonly events: IndexedEvent[];
  readonly last_index: number;
  readonly next_index: number | null;
  readonly websocket_url: string;
  readonly source: 'dynamodb' | 'cloudwatch';
}

/** `POST /executions`. */
export interface StartedView {
  readonly execution_id: string;
  readonly status: ExecutionStatus;
  readonly logs_url: string;
}

/** How a WebSocket tail ended: the execution's final status and the last index of its log. */
export interface TailResult {
  readonly status: TerminalStatus;
  readonly last_index: number;
}

/** Options of `tail()`. */
export interface TailOptions {
  /** Reconnects in a row that bring no new event before `tail()` gives up (default 8). */
  readonly maxRetries?: number;
  /** Aborts the tail (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
}

type TailOutcome =
  | { readonly kind: 'done'; readonly result: TailResult }
  | { readonly kind: 'dropped'; readonly reason: string }
  | { readonly kind: 'refused'; readonly status: number; readonly code: string; readonly message: string };

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

  /** Starts a managed execution running `command`. */
  run(command: readonly string[], executionId?: string): Promise<StartedView> {
    return this.request('POST', '/executions', { command, execution_id: executionId });
  }

  /** Registers an external execution whose job writes to `logGroup`/`logStream`. */
  register(logGroup: string, logStream: string, executionId?: string): Promise<StartedView> {
    return this.request('POST', '/executions', {
      log_group: logGroup,
      log_stream: logStream,
      execution_id: executionId,
    });
  }

  status(executionId: string): Promise<ExecutionView> {
    return this.request('GET', `/executions/${encodeURIComponent(executionId)}`);
  }

  complete(
    executionId: string,
    status: 'SUCCEEDED' | 'FAILED' | 'STOPPED',
    completedAt?: string | number,
    exitCode?: number,
  ): Promise<unknown> {
    return this.request('POST', `/executions/${encodeURIComponent(executionId)}/complete`, {
      status,
      completed_at: completedAt,
      exit_code: exitCode,
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

  /** Every event with index > `sinceIndex` as of now, paging through `/logs`. */
  async *allLogs(executionId: string, sinceIndex = 0): AsyncGenerator<IndexedEvent, LogsView> {
    let since = sinceIndex;
    for (;;) {
      const page = await this.logs(executionId, since);
      for (const event of page.events) yield event;
      if (page.next_index === null) return page;
      since = page.next_index;
    }
  }

  /**
   * Every event with index > `sinceIndex` until the execution's log is complete: pages what is
   * stored, then, while the execution runs, tails the rest over WebSocket. Resolves with the final view.
   */
  async follow(
    executionId: string,
    onEvent: (event: IndexedEvent) => void,
    sinceIndex = 0,
    options: TailOptions = {},
  ): Promise<ExecutionView> {
    const pages = this.allLogs(executionId, sinceIndex);
    let next = await pages.next();
    for (; !next.done; next = await pages.next()) onEvent(next.value);
    // The last page's websocket_url resumes right after the last event paged.
    const page = next.value;
    if (page.status === 'RUNNING' && page.websocket_url) await this.tail(page.websocket_url, onEvent, options);
    return this.status(executionId);
  }

  /**
   * Follows a RUNNING execution over WebSocket from `websocketUrl` (as `/logs` returns it): calls
   * `onEvent` once per event, in index order, and resolves with the final status once the log is
   * complete. After an abnormal close it reads `/logs?since_index=<last seen>` (a fresh ticket, and
   * the events missed meanwhile) and reconnects from there, so nothing is lost or repeated.
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
    for (;;) {
      options.signal?.throwIfAborted();
      const before = last;
      let reason: string;
      if (url !== undefined) {
        const outcome = await this.tailOnce(url, accept, options.signal);
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
      if (idle > 0) await sleep(Math.min(5000, 100 * 2 ** idle), options.signal);
      url = undefined;
      try {
        for (;;) {
          const page = await this.logs(executionId, last);
          for (const event of page.events) accept(event);
          if (page.websocket_url) {
            url = page.websocket_url;
            break;
          }
          // Completed meanwhile: the rest comes from /logs, complete by construction.
          if (page.next_index === null) return { status: page.status as TerminalStatus, last_index: page.last_index };
        }
      } catch (error) {
        // The network or the API failing is what a reconnect waits out; a 4xx answer is final.
        if (!(error instanceof ApiError) || (error.status !== 0 && error.status < 500)) throw error;
      }
    }
  }

  private tailOnce(url: string, accept: (event: IndexedEvent) => void, signal?: AbortSignal): Promise<TailOutcome> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
      let settled = false;
      // The server pings every heartbeat: a silent connection (peer gone without a FIN) is dropped
      // and reconnected rather than waited on forever.
      let watchdog: NodeJS.Timeout | undefined;
      const feedWatchdog = (): void => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          dropped ??= 'no ping from the server';
          ws.terminate();
        }, SILENCE_LIMIT_MS);
      };
      ws.on('open', feedWatchdog);
      ws.on('ping', feedWatchdog);
      let result: TailResult | undefined;
      let dropped: string | undefined;
      const settle = (finish: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        signal?.removeEventListener('abort', onAbort);
        finish();
      };
      const onAbort = (): void => {
        ws.terminate();
        settle(() => reject(signal?.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      ws.on('unexpected-response', (request, response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (body.length < 4096) body += chunk;
        });
        response.on('end', () => {
          const error = parseErrorBody(body);
          settle(() =>
            resolve({
              kind: 'refused',
              status: response.statusCode ?? 0,
              code: error?.code ?? 'HTTP_ERROR',
              message: error?.message ?? `WebSocket upgrade refused with HTTP ${response.statusCode ?? 0}`,
            }),
          );
          request.destroy();
        });
      });
      ws.on('message', (data: RawData) => {
        // Frames already received keep arriving after a failure: none may reach onEvent then.
        if (settled) return;
        feedWatchdog();
        try {
          const message = JSON.parse(data.toString()) as {
            type?: unknown;
            events?: IndexedEvent[];
            status?: TerminalStatus;
            last_index?: number;
          };
          if (message.type === 'events' && Array.isArray(message.events)) message.events.forEach(accept);
          else if (message.type === 'status' && typeof message.last_index === 'number' && message.status) {
            result = { status: message.status, last_index: message.last_index };
          }
        } catch (error) {
          if (error instanceof ApiError && error.code === 'TAIL_GAP') dropped = error.message;
          else settle(() => reject(error));
          ws.terminate();
        }
      });
      ws.on('error', (error) => {
        dropped ??= error.message;
      });
      ws.on('close', (code, reason) => {
        const outcome: TailOutcome = result
          ? { kind: 'done', result }
          : { kind: 'dropped', reason: dropped ?? `closed with ${code} ${reason.toString()}`.trim() };
        settle(() => resolve(outcome));
      });
    });
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
      throw new ApiError(0, 'UNREACHABLE', `cannot reach ${this.base}: ${(error as Error).message}`);
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
      throw new ApiError(response.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `HTTP ${response.status}`);
    }
    return parsed as T;
  }
}

function parseErrorBody(body: string): { code?: string; message?: string } | undefined {
  try {
    return (JSON.parse(body) as { error?: { code?: string; message?: string } }).error;
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
