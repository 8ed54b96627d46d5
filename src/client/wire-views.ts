// The API's JSON bodies as they come over the wire (snake_case; defined once, in src/contract), and the options of the
// wire-level calls.
import type { WireExecutionStatus } from '../contract';

export type {
  ExecutionListView,
  ExecutionSummary,
  ExecutionView,
  LogsView,
  SearchView,
  StartedView,
} from '../contract';

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

/** Options of `list()`. */
export interface ListOptions {
  /** Only executions with this status. */
  readonly status?: WireExecutionStatus;
  /** Executions a request asks for (the API's default 50, at most 1000). */
  readonly pageSize?: number;
  /** At most this many in all, over as many pages as it takes (default: every one). */
  readonly limit?: number;
}

/** Options of reads that wait for a completed execution's seal. */
export interface SealWaitOptions {
  /** Longest wait for the seal of a completed execution whose final drain still runs (ms, default 60 s). */
  readonly sealWaitMs?: number;
  /** Aborts the wait (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
}
