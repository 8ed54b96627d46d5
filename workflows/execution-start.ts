// The one shape of a start of the execution workflow, shared by every start: the API's, the workflow client's (both
// through `startExecutionWorkflow`) and the workflow-side helper's child. Deterministic and free of Node: it runs in
// the workflow sandbox too.
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { ExecutionSpec } from '../src/domain';
import { EXECUTION_STATUS_KEY, type ExecutionWorkflowInput } from './messages';

/**
 * What every start of the execution workflow sets, on a client or as a child: the id (the execution id), the task
 * queue, the reuse policy, the memo and search attribute readers find it by, and the summary the Temporal UI shows.
 */
export function executionStartOptions(input: ExecutionWorkflowInput, taskQueue: string) {
  return {
    workflowId: input.executionId,
    taskQueue,
    // An execution id names one log for good: a closed execution's id is not reused (a duplicate start is refused).
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    args: [input] as [ExecutionWorkflowInput],
    // The log's location travels with the workflow, so readers find it without the store.
    memo: { log_group: input.location.logGroup, log_streams: [...input.location.logStreams] },
    typedSearchAttributes: [{ key: EXECUTION_STATUS_KEY, value: 'RUNNING' }],
    // What the Temporal UI and `temporal workflow describe` show: what runs, or where its log is read.
    staticSummary: executionSummary(input),
  };
}

// The Temporal UI shows a summary on one line: keep it short; the details say the rest.
const SUMMARY_MAX = 200;

/** Static summary of an execution's workflow (Temporal UI, `temporal workflow describe`): what it runs or reads. */
export function executionSummary(spec: ExecutionSpec): string {
  const text = spec.command
    ? `run: ${spec.command.map(quoteArg).join(' ')}`
    : `external log: ${spec.location.logGroup} ${spec.location.logStreams.join(', ')}`;
  return text.length > SUMMARY_MAX ? `${text.slice(0, SUMMARY_MAX - 1)}…` : text;
}

/** Static details of an execution's workflow, in Markdown: where to read its log (REST `/logs` and the web view). */
export function executionDetails(spec: ExecutionSpec, apiUrl: string): string {
  const base = `${apiUrl.replace(/\/+$/, '')}/executions/${encodeURIComponent(spec.executionId)}`;
  const lines = [
    `**logstream execution** \`${spec.executionId}\``,
    '',
    `- Logs: [${base}/logs](${base}/logs)`,
    `- Web view: [${base}/view](${base}/view)`,
    `- Log group: \`${spec.location.logGroup}\`, stream${spec.location.logStreams.length === 1 ? '' : 's'}: ${spec.location.logStreams.map((s) => `\`${s}\``).join(', ')}`,
  ];
  if (spec.command) lines.push(`- Command: \`${spec.command.map(quoteArg).join(' ').replace(/`/g, "'")}\``);
  else lines.push('- Completed by an external runner (`POST /executions/{id}/complete`)');
  return lines.join('\n');
}

// Shell-like quoting, for reading only: the command runs without a shell.
function quoteArg(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
