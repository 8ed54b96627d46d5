import type { ExecutionStatus, IndexedEvent } from '../domain';

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
  ): Promise<unknown> {
    return this.request('POST', `/executions/${encodeURIComponent(executionId)}/complete`, {
      status,
      completed_at: completedAt,
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
   * Every event with index > `sinceIndex` until the execution's log is complete: follows a RUNNING
   * execution until it is sealed, then reads the rest once.
   */
  async *follow(executionId: string, sinceIndex = 0, pollMs = 250): AsyncGenerator<IndexedEvent, ExecutionView> {
    let since = sinceIndex;
    for (;;) {
      const view = await this.status(executionId);
      let page: LogsView;
      do {
        page = await this.logs(executionId, since);
        for (const event of page.events) {
          since = event.index;
          yield event;
        }
      } while (page.next_index !== null);
      // Pages read after a completed status come from the completed path: complete by construction.
      if (view.status !== 'RUNNING') return view;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
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
