import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import {
  isTerminalStatus,
  type Completion,
  type ExecutionInfo,
  type ExecutionSpec,
  type ExecutionStatus,
} from '../../domain';
import {
  DependencyError,
  ExecutionCompletedError,
  ExecutionIdTakenError,
  UnknownExecutionError,
  type ExecutionDirectory,
} from '../../ports';
import {
  COMPLETED_AT_KEY,
  completeSignal,
  EXECUTION_STATUS_KEY,
  EXECUTION_WORKFLOW_TYPE,
  registeredUpdate,
  type ExecutionTimings,
  type ExecutionWorkflowInput,
} from '../../../workflows/messages';
import { startExecutionWorkflow } from './execution-start';

/** Options of the Temporal directory. */
export interface TemporalDirectoryOptions {
  readonly client: Client;
  readonly taskQueue: string;
  readonly timings: ExecutionTimings;
  /** Base URL of the API, for the links in each execution's details in the Temporal UI. */
  readonly apiUrl: string;
  /** How long `start` waits for an external execution's registration (ms; default 10 s; 0 = not at all). */
  readonly registrationWaitMs?: number;
}

/**
 * Executions as Temporal workflows (workflowId = execution id). Status comes from `describe()`
 * (workflow status and search attributes), so it answers with no worker running.
 */
export class TemporalExecutionDirectory implements ExecutionDirectory {
  constructor(private readonly options: TemporalDirectoryOptions) {}

  async start(spec: ExecutionSpec): Promise<void> {
    const input: ExecutionWorkflowInput = { ...spec, timings: this.options.timings };
    let handle;
    try {
      handle = await startExecutionWorkflow(this.options.client, input, {
        taskQueue: this.options.taskQueue,
        apiUrl: this.options.apiUrl,
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) throw new ExecutionIdTakenError(spec.executionId);
      throw new DependencyError('temporal', 'StartWorkflowExecution', error);
    }
    // An external job starts writing once it is told the execution exists: in push mode its streams must be routed
    // by then, or the forwarder passes its first lines by (the seal's check would recover them, but not the live
    // tail). A managed command starts after the registration anyway. Bounded: without a worker, answer regardless.
    if (spec.command === undefined && (this.options.registrationWaitMs ?? 10_000) > 0) {
      await this.awaitRegistration(handle.executeUpdate(registeredUpdate));
    }
  }

  private async awaitRegistration(registration: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.registrationWaitMs ?? 10_000);
    });
    // A failed or late registration is the workflow's to retry; lines written meanwhile are recovered at the seal.
    await Promise.race([registration.catch(() => undefined), bound]);
    clearTimeout(timer);
  }

  async describe(executionId: string): Promise<ExecutionInfo | undefined> {
    try {
      const description = await this.options.client.workflow.getHandle(executionId).describe();
      if (description.type !== EXECUTION_WORKFLOW_TYPE) return undefined;
      return toInfo(description);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw new DependencyError('temporal', 'DescribeWorkflowExecution', error);
    }
  }

  async list(filter: { status?: ExecutionStatus; limit: number }): Promise<ExecutionInfo[]> {
    const clauses = [`WorkflowType = '${EXECUTION_WORKFLOW_TYPE}'`];
    if (filter.status) clauses.push(`LogstreamStatus = '${filter.status}'`);
    const executions: ExecutionInfo[] = [];
    try {
      for await (const description of this.options.client.workflow.list({ query: clauses.join(' AND ') })) {
        executions.push(toInfo(description));
        if (executions.length >= filter.limit) break;
      }
    } catch (error) {
      throw new DependencyError('temporal', 'ListWorkflowExecutions', error);
    }
    return executions;
  }

  async complete(executionId: string, completion: Completion): Promise<void> {
    const current = await this.describe(executionId);
    if (!current) throw new UnknownExecutionError(executionId);
    if (current.status !== 'RUNNING') throw new ExecutionCompletedError(executionId);
    try {
      await this.options.client.workflow.getHandle(executionId).signal(completeSignal, completion);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new ExecutionCompletedError(executionId);
      throw new DependencyError('temporal', 'SignalWorkflowExecution', error);
    }
  }

  async stop(executionId: string): Promise<void> {
    const current = await this.describe(executionId);
    if (!current) throw new UnknownExecutionError(executionId);
    if (current.status !== 'RUNNING') throw new ExecutionCompletedError(executionId);
    try {
      await this.options.client.workflow.getHandle(executionId).cancel();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new ExecutionCompletedError(executionId);
      throw new DependencyError('temporal', 'RequestCancelWorkflowExecution', error);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.options.client.workflowService.getSystemInfo({});
    } catch (error) {
      throw new DependencyError('temporal', 'GetSystemInfo', error);
    }
  }
}

/** Maps a workflow description onto an execution's status. */
function toInfo(description: Omit<WorkflowExecutionInfo, 'raw'>): ExecutionInfo {
  const attributes = description.typedSearchAttributes;
  const recorded = attributes.get(EXECUTION_STATUS_KEY);
  const completedAt = attributes.get(COMPLETED_AT_KEY);
  let status: ExecutionStatus;
  if (isTerminalStatus(recorded)) status = recorded;
  else {
    switch (description.status.name) {
      case 'RUNNING':
      case 'COMPLETED':
      case 'CONTINUED_AS_NEW':
        status = description.status.name === 'COMPLETED' ? 'SUCCEEDED' : 'RUNNING';
        break;
      case 'CANCELLED':
      case 'TERMINATED':
        status = 'STOPPED';
        break;
      default:
        status = 'FAILED';
    }
  }
  const closedAt = description.closeTime?.getTime();
  const memo = description.memo ?? {};
  const streams = memo.log_streams;
  const location =
    typeof memo.log_group === 'string' && Array.isArray(streams) && streams.every((s) => typeof s === 'string')
      ? { logGroup: memo.log_group, logStreams: streams as string[] }
      : undefined;
  return {
    executionId: description.workflowId,
    status,
    startedAt: description.startTime.getTime(),
    completedAt: completedAt?.getTime() ?? (status === 'RUNNING' ? undefined : closedAt),
    open: description.status.name === 'RUNNING',
    location,
  };
}
