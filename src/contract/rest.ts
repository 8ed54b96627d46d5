// The REST API's JSON bodies as they go over the wire (snake_case). Plain wire types: the server builds them from its
// domain, the clients read them.

/** The status of an execution. */
export type WireExecutionStatus = 'RUNNING' | WireTerminalStatus;

/** A status an execution ends in. */
export type WireTerminalStatus = 'SUCCEEDED' | 'FAILED' | 'STOPPED';

/** How a log is ingested. */
export type WireIngestMode = 'push' | 'poll';

/** Where a page of `/logs` or `/search` was read. */
export type WireLogSource = 'dynamodb' | 'cloudwatch';

/** One log line with its place in the log (indexes are dense, 1..N). */
export interface WireEvent {
  readonly index: number;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /** `stdout`/`stderr` of a managed job, the log stream's name of an external one. */
  readonly stream?: string;
  readonly message: string;
  /** The seal's proof found it in CloudWatch and not in the store, and stored it then. */
  readonly recovered?: boolean;
}

/** `POST /executions` with `command`: a managed execution. */
export interface StartCommandRequest {
  readonly command: readonly string[];
  readonly execution_id?: string;
}

/** `POST /executions` without `command`: an external execution whose logs a producer writes to CloudWatch. */
export interface RegisterExternalRequest {
  readonly log_group?: string;
  readonly log_stream?: string;
  readonly log_streams?: readonly string[];
  readonly execution_id?: string;
}

/** `POST /executions` body. */
export type StartExecutionRequest = StartCommandRequest | RegisterExternalRequest;

/** The fields a `POST /executions` body may have (any other is refused). */
export const START_EXECUTION_FIELDS = [
  'command',
  'execution_id',
  'log_group',
  'log_stream',
  'log_streams',
] as const satisfies readonly (keyof StartCommandRequest | keyof RegisterExternalRequest)[];

/** `POST /executions/{id}/complete` body. */
export interface CompleteRequest {
  readonly status: WireTerminalStatus;
  /** ISO-8601 or epoch milliseconds; default now. */
  readonly completed_at?: string | number;
  readonly exit_code?: number;
  /** Events the producer put into CloudWatch: makes the seal's proof free. */
  readonly event_count?: number;
}

/** The fields a `POST /executions/{id}/complete` body may have (any other is refused). */
export const COMPLETE_FIELDS = [
  'status',
  'completed_at',
  'exit_code',
  'event_count',
] as const satisfies readonly (keyof CompleteRequest)[];

/** `POST /executions/{id}/complete` (202). */
export interface CompletionAcceptedView {
  readonly execution_id: string;
  readonly status: WireTerminalStatus;
  readonly completed_at: string | null;
}

/** `POST /executions/{id}/stop` (202). */
export interface StopAcceptedView {
  readonly execution_id: string;
  readonly status: 'STOPPED';
}

/** `POST /executions` (201). */
export interface StartedView {
  readonly execution_id: string;
  readonly status: WireExecutionStatus;
  readonly logs_url: string;
}

/** One execution of `GET /executions`. */
export interface ExecutionSummary {
  readonly execution_id: string;
  readonly status: WireExecutionStatus;
  readonly started_at: string | null;
  readonly completed_at: string | null;
}

/** Executions a page of `GET /executions` holds when `limit` does not say. */
export const DEFAULT_LIST_PAGE_SIZE = 50;
/** The largest `limit` of `GET /executions`. */
export const MAX_LIST_PAGE_SIZE = 1000;

/** `GET /executions`: one page, newest first. */
export interface ExecutionListView {
  readonly executions: ExecutionSummary[];
  /**
   * Opaque: pass it back as `page_token` for the next page; null after the last one. A page may be short, even empty,
   * and still have one.
   */
  readonly next_page_token: string | null;
}

/** `GET /executions/{id}`. */
export interface ExecutionView extends ExecutionSummary {
  readonly last_index: number;
  readonly sealed: boolean;
  /** Not sealed, and a seal may still come (the execution or its final drain runs). */
  readonly seal_pending: boolean;
  /** The job's exit code once the log is sealed (null when unknown). */
  readonly exit_code: number | null;
  /** Lines the job printed that CloudWatch would not hold, once sealed (null before). */
  readonly rejected_events?: number | null;
  /** Events the seal's proof found in CloudWatch and not in the store, and stored (null before the seal). */
  readonly recovered_events?: number | null;
  /** Events the seal's proof found stored twice (null before the seal). */
  readonly duplicate_events?: number | null;
  /** How the log is ingested; null while registration has not chosen yet. Absent from older APIs. */
  readonly ingest?: WireIngestMode | null;
}

/** `GET /executions/{id}/logs`. */
export interface LogsView {
  readonly execution_id: string;
  readonly status: WireExecutionStatus;
  /** The page comes from the sealed log: paging on to `next_index: null` gives the whole log. */
  readonly sealed: boolean;
  /** Not sealed, and a seal may still come (the execution or its final drain runs). */
  readonly seal_pending: boolean;
  readonly events: WireEvent[];
  readonly last_index: number;
  readonly next_index: number | null;
  /** Non-empty only while the execution runs. */
  readonly websocket_url: string;
  readonly source: WireLogSource;
}

/** `GET /executions/{id}/search`. */
export interface SearchView {
  readonly execution_id: string;
  readonly status: WireExecutionStatus;
  /** Every page came from the sealed log: paging on to `next_index: null` finds every match of the whole log. */
  readonly sealed: boolean;
  readonly seal_pending: boolean;
  readonly matches: WireEvent[];
  /** `since_index` of the next page; null once the log was read to its end. */
  readonly next_index: number | null;
  /** The highest index this page read (a follow of a running log resumes after it). */
  readonly scanned_to: number;
  readonly source: WireLogSource;
}
