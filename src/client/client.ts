import { DEFAULT_LIST_PAGE_SIZE, MAX_LIST_PAGE_SIZE } from '../contract';
import { InvalidRequestError } from './errors';
import { ExecutionHandle } from './execution-handle';
import type { TailConnect } from './follow-loop';
import { ApiHttp } from './http';
import { connectTail } from './tail-connection';
import { toListEntry, type ExecutionListEntry } from './views';
import type { ExecutionListView, ListOptions, StartedView } from './wire-views';

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
  type AllLogsOptions,
  type CompleteOptions,
  type FollowItem,
  type FollowOptions,
  type LogPageOptions,
} from './execution-handle';
export type { FollowPhase, TailConnect, TailHandlers, TailOutcome } from './follow-loop';
export type { ExecutionDescription, ExecutionListEntry, LogPage, SearchPage } from './views';
export type { ListOptions, SealWaitOptions, SearchOptions } from './wire-views';

/** Options of `start()`: a command to run, or the CloudWatch stream(s) an external job writes to. */
export type StartOptions =
  | { readonly command: readonly string[]; readonly executionId?: string }
  | { readonly logGroup: string; readonly logStream: string; readonly executionId?: string }
  | { readonly logGroup: string; readonly logStreams: readonly string[]; readonly executionId?: string };

/** Options of the client. */
export interface ClientOptions {
  /** API base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly apiKey?: string;
  /** Opens a tail's WebSocket (default: Node's `ws`). */
  readonly connect?: TailConnect;
}

/** The programmatic client of the logstream API, shaped like the Temporal SDK's: handles, options, async iterables. */
export class LogstreamClient {
  private readonly http: ApiHttp;
  private readonly connect: TailConnect;

  constructor(options: ClientOptions) {
    this.http = new ApiHttp(options);
    this.connect = options.connect ?? connectTail;
  }

  /** A handle on one execution (no call is made until one of its methods is). */
  getHandle(executionId: string): ExecutionHandle {
    return new ExecutionHandle(executionId, this.http, this.connect);
  }

  /** Starts a managed execution (`command`) or registers an external one (`logGroup` and its stream(s)). */
  async start(options: StartOptions): Promise<ExecutionHandle> {
    const body =
      'command' in options
        ? { command: options.command }
        : 'logStreams' in options
          ? { log_group: options.logGroup, log_streams: options.logStreams }
          : { log_group: options.logGroup, log_stream: options.logStream };
    const started = await this.http.request<StartedView>('POST', '/executions', {
      ...body,
      execution_id: options.executionId,
    });
    return this.getHandle(started.execution_id);
  }

  /**
   * Executions, newest first, page after page as the iteration reaches them (like Temporal's `workflow.list()`), until
   * the last page or `limit` in all. Each execution comes once, also one that completes while the pages are read
   * (visibility's order would show it again, as completed).
   */
  async *list(options: ListOptions = {}): AsyncGenerator<ExecutionListEntry, void, undefined> {
    const { pageSize: size, limit } = options;
    if (size !== undefined && !(Number.isInteger(size) && size >= 1 && size <= MAX_LIST_PAGE_SIZE)) {
      throw new InvalidRequestError('INVALID_INPUT', `pageSize must be a whole number from 1 to ${MAX_LIST_PAGE_SIZE}`);
    }
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
      throw new InvalidRequestError('INVALID_INPUT', 'limit must be a whole number of at least 1');
    }
    const seen = new Set<string>();
    let remaining = options.limit ?? Infinity;
    let pageToken: string | null = null;
    while (remaining > 0) {
      const query = new URLSearchParams();
      if (options.status !== undefined) query.set('status', options.status);
      // A short total asks for no more than it needs; a larger one for the largest page the API gives.
      const pageSize = Math.min(
        options.pageSize ?? (remaining === Infinity ? DEFAULT_LIST_PAGE_SIZE : MAX_LIST_PAGE_SIZE),
        remaining,
      );
      query.set('limit', String(pageSize));
      if (pageToken !== null) query.set('page_token', pageToken);
      const search = query.toString();
      const page: ExecutionListView = await this.http.request<ExecutionListView>(
        'GET',
        `/executions${search ? `?${search}` : ''}`,
      );
      for (const execution of page.executions) {
        if (remaining <= 0) return;
        if (seen.has(execution.execution_id)) continue;
        seen.add(execution.execution_id);
        remaining--;
        yield toListEntry(execution);
      }
      pageToken = page.next_page_token ?? null;
      if (pageToken === null) return;
    }
  }
}
