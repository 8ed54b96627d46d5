import type { WorkflowExecutionStatusName } from '@temporalio/client';
import { isTerminalStatus, type ExecutionStatus } from '../../domain';
import { EXECUTION_STATUS_KEY } from '../../../workflows/messages';

/**
 * An execution's status from what Temporal knows of its workflow: the recorded terminal status (the
 * `LogstreamStatus` search attribute), else how the workflow itself stands. A workflow that closed while its record
 * still said RUNNING (terminated, timed out, failed) is not RUNNING.
 */
export function executionStatusOf(recorded: unknown, workflowStatus: WorkflowExecutionStatusName): ExecutionStatus {
  if (isTerminalStatus(recorded)) return recorded;
  switch (workflowStatus) {
    case 'RUNNING':
    case 'CONTINUED_AS_NEW':
      return 'RUNNING';
    case 'COMPLETED':
      return 'SUCCEEDED';
    case 'CANCELLED':
    case 'TERMINATED':
      return 'STOPPED';
    default:
      return 'FAILED';
  }
}

const RECORDED = EXECUTION_STATUS_KEY.name;

/** The visibility query of each status, as `executionStatusOf` decides it. */
const STATUS_QUERIES: Record<ExecutionStatus, string> = {
  RUNNING: `${RECORDED} = 'RUNNING' AND ExecutionStatus = 'Running'`,
  SUCCEEDED: `(${RECORDED} = 'SUCCEEDED' OR (${RECORDED} = 'RUNNING' AND ExecutionStatus = 'Completed'))`,
  FAILED: `(${RECORDED} = 'FAILED' OR (${RECORDED} = 'RUNNING' AND ExecutionStatus IN ('Failed', 'TimedOut')))`,
  STOPPED: `(${RECORDED} = 'STOPPED' OR (${RECORDED} = 'RUNNING' AND ExecutionStatus IN ('Canceled', 'Terminated')))`,
};

/** The visibility clause selecting the executions whose status is `status`. */
export function statusQuery(status: ExecutionStatus): string {
  return STATUS_QUERIES[status];
}
