import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Completion, ExecutionSpec, ExecutionStatus, IngestMode, LogSeal } from '../src/domain';

/** Workflow type name, as clients start it. */
export const EXECUTION_WORKFLOW_TYPE = 'executionWorkflow';

/** Task queue of the worker and of every execution. */
export const DEFAULT_TASK_QUEUE = 'logstream';

/**
 * Search attribute holding the execution's status (Keyword). DESIGN.md calls it `ExecutionStatus`,
 * but Temporal reserves that name for its own workflow status and refuses to set it.
 */
export const EXECUTION_STATUS_KEY = defineSearchAttributeKey('LogstreamStatus', 'KEYWORD');

/** Search attribute holding the execution's completion time (Datetime). */
export const COMPLETED_AT_KEY = defineSearchAttributeKey('CompletedAt', 'DATETIME');

/** Timing knobs of one execution (milliseconds). */
export interface ExecutionTimings {
  /** How long the final drain waits past `completedAt` for CloudWatch's ingestion delay. */
  readonly settleMs: number;
  /** Heartbeat timeout of the ingest and drain activities: how fast a lost worker is noticed. */
  readonly heartbeatTimeoutMs: number;
  /** Longest a managed command may run. */
  readonly commandTimeoutMs: number;
  /**
   * Heartbeat timeout of the command runner (default: `heartbeatTimeoutMs`). The runner cannot be retried (a job must
   * not run twice), so this must outlast a Temporal server restart: heartbeats fail while the server is away, and a
   * timeout on its return ends a healthy job FAILED.
   */
  readonly commandHeartbeatTimeoutMs?: number;
}

/** Input of `executionWorkflow`. */
export interface ExecutionWorkflowInput extends ExecutionSpec {
  readonly timings: ExecutionTimings;
}

/** Result of `executionWorkflow`. */
export interface ExecutionWorkflowResult {
  readonly status: ExecutionStatus;
  readonly seal: LogSeal;
}

/** Completes the execution: external runners send it; the built-in runner's result takes the same path. */
export const completeSignal = defineSignal<[Completion]>('complete');

/** The completion the workflow has accepted, if any. */
export const completionQuery = defineQuery<Completion | null>('completion');

/** Where an execution stands: its status, the completion it accepted, its ingest mode and, once drained, its log's seal. */
export interface ExecutionState {
  readonly status: ExecutionStatus;
  readonly completion: Completion | null;
  readonly seal: LogSeal | null;
  /** How its log is ingested, once registration chose it (null before, and for executions started before push ingest). */
  readonly ingest: IngestMode | null;
}

/** The execution's state (`temporal workflow query --type state`). */
export const stateQuery = defineQuery<ExecutionState>('state');

/**
 * Type of the non-retryable `ApplicationFailure` a FAILED execution's workflow ends with, once its log is sealed; its
 * details hold the `LogSeal`.
 */
export const EXECUTION_FAILED_TYPE = 'LogstreamExecutionFailed';

/**
 * Patch id of push ingest: executions started since then register first (choosing push or poll) and run no
 * ingest activity in push mode; histories recorded before it replay without registration, polled.
 */
export const PUSH_INGEST_PATCH = 'push-ingest-registration';

/**
 * Completes once the execution is registered: its ingest mode chosen and, in push mode, its log streams routed. A
 * writer that starts after it loses no line to the forwarder (the API awaits it before answering POST /executions).
 */
export const registeredUpdate = defineUpdate<IngestMode>('registered');
