// The camelCase results of the execution handle, mapped from the API's snake_case bodies.
import type { ExecutionStatus, IndexedEvent, IngestMode } from '../domain';
import type { ExecutionSummary, ExecutionView, LogsView, SearchView } from './wire-views';

/** An execution as `list()` yields it. */
export interface ExecutionListEntry {
  readonly executionId: string;
  readonly status: ExecutionStatus;
  readonly startedAt: Date | null;
  readonly completedAt: Date | null;
}

/** An execution as `describe()` describes it. */
export interface ExecutionDescription {
  readonly executionId: string;
  readonly status: ExecutionStatus;
  readonly startedAt: Date | null;
  readonly completedAt: Date | null;
  readonly lastIndex: number;
  /** The stored log is complete by construction (sealed). */
  readonly sealed: boolean;
  /** Not sealed, and a seal may still come (the execution or its final drain runs). */
  readonly sealPending: boolean;
  /** The job's exit code once the log is sealed (null when unknown). */
  readonly exitCode: number | null;
  /** Lines the job printed that CloudWatch would not hold, once sealed (null before). */
  readonly rejectedEvents: number | null;
  /** Events the seal's proof found in CloudWatch and not in the store, and stored (null before the seal). */
  readonly recoveredEvents: number | null;
  /** Events the seal's proof found stored twice (null before the seal). */
  readonly duplicateEvents: number | null;
  /** How the log is ingested (`push` or `poll`); null while unknown (not registered yet, or an older API). */
  readonly ingest: IngestMode | null;
}

/** One page of the log as `logs()` returns it. */
export interface LogPage {
  readonly executionId: string;
  readonly status: ExecutionStatus;
  /** The page comes from the sealed log: paging on to `nextIndex: null` gives the whole log. */
  readonly sealed: boolean;
  readonly sealPending: boolean;
  readonly events: readonly IndexedEvent[];
  readonly lastIndex: number;
  /** `sinceIndex` of the next page; null when there is nothing more to page. */
  readonly nextIndex: number | null;
  /** Where to tail the rest while the execution runs (null once it completed). */
  readonly websocketUrl: string | null;
  readonly source: 'dynamodb' | 'cloudwatch';
}

/** One page of matches as `searchPage()` returns it. */
export interface SearchPage {
  readonly executionId: string;
  readonly status: ExecutionStatus;
  /** Every page came from the sealed log: paging on to `nextIndex: null` finds every match of the whole log. */
  readonly sealed: boolean;
  readonly sealPending: boolean;
  readonly matches: readonly IndexedEvent[];
  /** `sinceIndex` of the next page; null once the log was read to its end. */
  readonly nextIndex: number | null;
  /** The highest index this page read (a follow of a running log resumes after it). */
  readonly scannedTo: number;
  readonly source: 'dynamodb' | 'cloudwatch';
}

function toDate(value: string | null): Date | null {
  return value === null ? null : new Date(value);
}

/** The camelCase view of `GET /executions/{id}`. */
export function toDescription(view: ExecutionView): ExecutionDescription {
  return {
    executionId: view.execution_id,
    status: view.status,
    startedAt: toDate(view.started_at),
    completedAt: toDate(view.completed_at),
    lastIndex: view.last_index,
    sealed: view.sealed,
    sealPending: view.seal_pending,
    exitCode: view.exit_code,
    rejectedEvents: view.rejected_events ?? null,
    recoveredEvents: view.recovered_events ?? null,
    duplicateEvents: view.duplicate_events ?? null,
    ingest: view.ingest ?? null,
  };
}

/** The camelCase view of `GET /executions/{id}/logs`. */
export function toLogPage(view: LogsView): LogPage {
  return {
    executionId: view.execution_id,
    status: view.status,
    sealed: view.sealed,
    sealPending: view.seal_pending,
    events: view.events,
    lastIndex: view.last_index,
    nextIndex: view.next_index,
    websocketUrl: view.websocket_url || null,
    source: view.source,
  };
}

/** The camelCase view of `GET /executions/{id}/search`. */
export function toSearchPage(view: SearchView): SearchPage {
  return {
    executionId: view.execution_id,
    status: view.status,
    sealed: view.sealed,
    sealPending: view.seal_pending,
    matches: view.matches,
    nextIndex: view.next_index,
    scannedTo: view.scanned_to,
    source: view.source,
  };
}

/** The camelCase view of one execution of `GET /executions`. */
export function toListEntry(view: ExecutionSummary): ExecutionListEntry {
  return {
    executionId: view.execution_id,
    status: view.status,
    startedAt: toDate(view.started_at),
    completedAt: toDate(view.completed_at),
  };
}
