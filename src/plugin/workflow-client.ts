import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { startExecutionWorkflow } from '../adapters/temporal/execution-start';
import { executionStatusOf, statusQuery } from '../adapters/temporal/execution-status';
import { isTerminalStatus, type ExecutionStatus, type LogLocation } from '../domain';
import {
  completionSignalOf,
  loggedExecutionInput,
  sealedOutcomeFromDetails,
  type LoggedCompletion,
  type LoggedExecutionSpec,
} from '../../workflows/logged-execution';
import {
  COMPLETED_AT_KEY,
  completeSignal,
  DEFAULT_TASK_QUEUE,
  EXECUTION_STATUS_KEY,
  EXECUTION_WORKFLOW_TYPE,
  stateQuery,
  type ExecutionTimings,
  type ExecutionWorkflowResult,
} from '../../workflows/messages';
import { ExecutionExistsError, ExecutionNotFoundError, InvalidRequestError, LogNotSealedError } from '../client/errors';

/** Options of `LogstreamWorkflowClient`. */
export interface LogstreamWorkflowClientOptions {
  /** A connected Temporal client (its namespace is used). */
  readonly client: Client;
  /** logstream's task queue (default `logstream`). */
  readonly taskQueue?: string;
  /** Log group of commands' logs (default `/logstream/executions`). */
  readonly logGroup?: string;
  /** Timing knobs of new executions; unset ones get the defaults of a worker on real AWS. */
  readonly timings?: Partial<ExecutionTimings>;
  /** Base URL of the logstream API: each execution's details in the Temporal UI then link its `/logs` and web view. */
  readonly apiUrl?: string;
}

/** An execution as Temporal describes it (its status as the API gives it: see `executionStatusOf`). */
export interface LoggedExecutionDescription {
  readonly executionId: string;
  readonly status: ExecutionStatus;
  /** Temporal's own status of the workflow (RUNNING, COMPLETED, FAILED, CANCELLED, ...). */
  readonly workflowStatus: string;
  readonly startedAt: Date;
  readonly completedAt: Date | null;
  readonly location: LogLocation | null;
}

/** Options of `list()`. */
export interface ListLoggedOptions {
  /** Only executions with this status. */
  readonly status?: ExecutionStatus;
  /** More visibility clauses, ANDed (e.g. `StartTime > "2026-01-01T00:00:00Z"`). */
  readonly query?: string;
}

/** A typed client of logstream's executions over `@temporalio/client`: no API process needed. */
export class LogstreamWorkflowClient {
  constructor(private readonly options: LogstreamWorkflowClientOptions) {}

  /** Starts a managed execution (`command`) or registers an external one (`logGroup`/`logStream`). */
  async start(spec: LoggedExecutionSpec, options: { executionId: string }): Promise<LoggedExecutionHandle> {
    const { executionId } = options;
    const input = loggedExecutionInput(spec, executionId, this.options);
    try {
      await startExecutionWorkflow(this.options.client, input, {
        taskQueue: this.options.taskQueue ?? DEFAULT_TASK_QUEUE,
        apiUrl: this.options.apiUrl,
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        throw new ExecutionExistsError(`execution ${executionId} exists already`, { executionId, cause: error });
      }
      throw error;
    }
    return this.getHandle(executionId);
  }

  /** A handle on an execution (no call is made until one of its methods is). */
  getHandle(executionId: string): LoggedExecutionHandle {
    return new LoggedExecutionHandle(executionId, this.options.client.workflow.getHandle(executionId));
  }

  /** Executions, newest first, as an async iterable that pages through Temporal visibility. */
  async *list(options: ListLoggedOptions = {}): AsyncGenerator<LoggedExecutionDescription, void, undefined> {
    const clauses = [`WorkflowType = '${EXECUTION_WORKFLOW_TYPE}'`];
    if (options.status !== undefined) {
      if (options.status !== 'RUNNING' && !isTerminalStatus(options.status)) {
        throw new InvalidRequestError('INVALID_INPUT', `unknown status ${String(options.status)}`);
      }
      clauses.push(statusQuery(options.status));
    }
    if (options.query) clauses.push(`(${options.query})`);
    for await (const info of this.options.client.workflow.list({ query: clauses.join(' AND ') })) {
      yield toDescription(info);
    }
  }
}

/** One execution, the way `WorkflowHandle` is one workflow. */
export class LoggedExecutionHandle {
  constructor(
    readonly executionId: string,
    private readonly workflow: WorkflowHandle,
  ) {}

  /** Signals the completion of an external job with its `CompletedAt` (default now) and exit code. */
  async complete(completion: LoggedCompletion): Promise<void> {
    await this.guard(() => this.workflow.signal(completeSignal, completionSignalOf(completion)));
  }

  /**
   * Stops it: a running command is ended, the log drained and sealed, the status STOPPED (the workflow ends Canceled).
   * Sent as a STOPPED completion, so the seal comes back in the outcome; `cancel()` is the Temporal-native equivalent.
   */
  async stop(): Promise<void> {
    await this.complete({ status: 'STOPPED' });
  }

  /** Requests cancellation of the execution's workflow, as the API's stop does: it ends STOPPED once sealed. */
  async cancel(): Promise<void> {
    await this.guard(() => this.workflow.cancel());
  }

  /** Its status, completion time and log location, from Temporal. */
  async describe(): Promise<LoggedExecutionDescription> {
    return toDescription(await this.guard(() => this.workflow.describe()));
  }

  /** Resolves once the log is sealed, with the final status and the seal (whatever the workflow's own outcome). */
  async sealed(): Promise<ExecutionWorkflowResult> {
    try {
      return (await this.guard(() => this.workflow.result())) as ExecutionWorkflowResult;
    } catch (error) {
      const cause = error instanceof WorkflowFailedError ? error.cause : undefined;
      if (cause instanceof ApplicationFailure || cause instanceof CancelledFailure) {
        const outcome = sealedOutcomeFromDetails(cause.details ?? []);
        if (outcome) return outcome;
      }
      // A workflow canceled by a cancellation request (the API's stop) ends with no details: its seal is in its state.
      const state = await this.workflow.query(stateQuery).catch(() => undefined);
      if (state?.seal && isTerminalStatus(state.status)) return { status: state.status, seal: state.seal };
      throw new LogNotSealedError(
        this.executionId,
        0,
        false,
        `execution ${this.executionId} ended without a seal`,
        error,
      );
    }
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw new ExecutionNotFoundError('EXECUTION_NOT_FOUND', `no execution ${this.executionId}`, {
          executionId: this.executionId,
          cause: error,
        });
      }
      throw error;
    }
  }
}

function toDescription(info: WorkflowExecutionInfo | WorkflowExecutionDescription): LoggedExecutionDescription {
  const streams = info.memo?.log_streams;
  const group = info.memo?.log_group;
  return {
    executionId: info.workflowId,
    status: executionStatusOf(info.typedSearchAttributes.get(EXECUTION_STATUS_KEY), info.status.name),
    workflowStatus: info.status.name,
    startedAt: info.startTime,
    completedAt: info.typedSearchAttributes.get(COMPLETED_AT_KEY) ?? null,
    location:
      typeof group === 'string' && Array.isArray(streams) && streams.every((s) => typeof s === 'string')
        ? { logGroup: group, logStreams: streams as string[] }
        : null,
  };
}
