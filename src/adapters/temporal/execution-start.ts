import type { Client, WorkflowHandle } from '@temporalio/client';
import type { executionWorkflow } from '../../../workflows/execution-workflow';
import { executionDetails, executionStartOptions } from '../../../workflows/execution-start';
import { EXECUTION_WORKFLOW_TYPE, type ExecutionWorkflowInput } from '../../../workflows/messages';

/** Where `startExecutionWorkflow` starts an execution. */
export interface ExecutionStartTarget {
  readonly taskQueue: string;
  /** Base URL of the logstream API: the execution's details in the Temporal UI then link its `/logs` and web view. */
  readonly apiUrl?: string;
}

/**
 * Starts the execution workflow from a client: the one client-side start (the API's and the workflow client's). A
 * duplicate id, running or closed, rejects with the SDK's `WorkflowExecutionAlreadyStartedError`; callers map it.
 */
export function startExecutionWorkflow(
  client: Client,
  input: ExecutionWorkflowInput,
  target: ExecutionStartTarget,
): Promise<WorkflowHandle<typeof executionWorkflow>> {
  return client.workflow.start<typeof executionWorkflow>(EXECUTION_WORKFLOW_TYPE, {
    ...executionStartOptions(input, target.taskQueue),
    ...(target.apiUrl ? { staticDetails: executionDetails(input, target.apiUrl) } : {}),
  });
}
