import type { Completion, ExecutionInfo, ExecutionSpec, ExecutionStatus } from '../domain';

/** What `list` reads: executions with `status` (all without), `pageSize` at most, after the page that gave `pageToken`. */
export interface ExecutionListFilter {
  readonly status?: ExecutionStatus;
  readonly pageSize: number;
  /** Opaque: a `nextPageToken` the directory gave; a malformed one throws `InvalidInputError`. */
  readonly pageToken?: string;
}

/** One page of `list`. A page may be short, even empty, while `nextPageToken` still leads on. */
export interface ExecutionListPage {
  /** Without `location`: a listing does not read where each log lives. */
  readonly executions: ExecutionInfo[];
  /** Where the next page starts; undefined after the last page. */
  readonly nextPageToken?: string;
}

/** Where executions run and report their status (Temporal in production). */
export interface ExecutionDirectory {
  /** Starts the execution's workflow; throws `ExecutionIdTakenError` when the id is taken. */
  start(spec: ExecutionSpec): Promise<void>;
  /** The execution's status, or undefined when the directory does not know it (never started, or past retention). */
  describe(executionId: string): Promise<ExecutionInfo | undefined>;
  /** One page of executions, newest first; `pageToken` is a previous page's `nextPageToken`. */
  list(filter: ExecutionListFilter): Promise<ExecutionListPage>;
  /** Sends the `complete` signal. */
  complete(executionId: string, completion: Completion): Promise<void>;
  /** Cancels the execution: it ends STOPPED. */
  stop(executionId: string): Promise<void>;
  ping(): Promise<void>;
}
