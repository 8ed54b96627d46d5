// The API's JSON bodies as they come over the wire (snake_case), and the options of the wire-level calls.
import type { ExecutionStatus, IndexedEvent, IngestMode } from '../domain';

/** `GET /executions/{id}`. */
export interface ExecutionView {
  readonly execution_id: string;
  readonly status: ExecutionStatus;
  readonly started_at: string | null;
  readonly completed_at: string | null;
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
  /** How the log is ingested (`push` or `poll`); null while registration has not chosen yet. Absent from older APIs. */
  readonly ingest?: IngestMode | null;
}

/** `GET /executions/{id}/logs`. */
export interface LogsView {
  readonly execution_id: string;
  readonly status: ExecutionStatus;
  /** The page comes from the sealed log: paging on to `next_index: null` gives the whole log. */
  readonly sealed: boolean;
  /** Not sealed, and a seal may still come (the execution or its final drain runs). */
  readonly seal_pending: boolean;
  readonly events: IndexedEvent[];
  readonly last_index: number;
  readonly next_index: number | null;
  readonly websocket_url: string;
  readonly source: 'dynamodb' | 'cloudwatch';
}

/** `GET /executions/{id}/search`. */
export interface SearchView {
  readonly execution_id: string;
  readonly status: ExecutionStatus;
  /** Every page came from the sealed log: paging on to `next_index: null` finds every match of the whole log. */
  readonly sealed: boolean;
  readonly seal_pending: boolean;
  readonly matches: IndexedEvent[];
  /** `since_index` of the next page; null once the log was read to its end. */
  readonly next_index: number | null;
  /** The highest index this page read (a follow of a running log resumes after it). */
  readonly scanned_to: number;
  readonly source: 'dynamodb' | 'cloudwatch';
}

/** Options of `search()`. */
export interface SearchOptions extends SealWaitOptions {
  /** `query` is a regular expression (RE2 syntax), not plain text. */
  readonly regex?: boolean;
  /** Match case (default: ignore it). */
  readonly caseSensitive?: boolean;
  /** Matches with an index above this one (default 0: from the start). */
  readonly sinceIndex?: number;
  /** At most this many matches a page (the API's default 1,000, at most 10,000). */
  readonly limit?: number;
  /** Only events of this stream (`stdout`/`stderr` of a managed job, a log stream's name for an external one). */
  readonly stream?: string;
}

/** One execution of `GET /executions`. */
export interface ExecutionSummary {
  readonly execution_id: string;
  readonly status: ExecutionStatus;
  readonly started_at: string | null;
  readonly completed_at: string | null;
}

/** Options of `list()`. */
export interface ListOptions {
  /** Only executions with this status. */
  readonly status?: ExecutionStatus;
  /** At most this many (the API's default 50, at most 1000). */
  readonly limit?: number;
}

/** `POST /executions`. */
export interface StartedView {
  readonly execution_id: string;
  readonly status: ExecutionStatus;
  readonly logs_url: string;
}

/** Options of reads that wait for a completed execution's seal. */
export interface SealWaitOptions {
  /** Longest wait for the seal of a completed execution whose final drain still runs (ms, default 60 s). */
  readonly sealWaitMs?: number;
  /** Aborts the wait (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
}

/** Options of `tail()` and `follow()`. */
export interface TailOptions extends SealWaitOptions {
  /** Reconnects in a row that bring no new event before `tail()` gives up (default 8). */
  readonly maxRetries?: number;
}
