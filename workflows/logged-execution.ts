// The workflow-side helper: a user's own workflow starts a logged execution as a child workflow, completes it, stops it
// and awaits its seal. Deterministic (timestamps from the workflow clock, ids from its seeded uuid4), so it runs in the
// sandbox and replays.
import {
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  ParentClosePolicy,
  startChild,
  uuid4,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import {
  isTerminalStatus,
  managedLogStream,
  type Completion,
  type LogLocation,
  type LogSeal,
  type TerminalStatus,
} from '../src/domain';
import type { executionWorkflow } from './execution-workflow';
import { executionStartOptions } from './execution-start';
import {
  completeSignal,
  DEFAULT_TASK_QUEUE,
  EXECUTION_WORKFLOW_TYPE,
  type ExecutionTimings,
  type ExecutionWorkflowInput,
  type ExecutionWorkflowResult,
} from './messages';

/** The log group managed executions write to unless told otherwise (the API's default `LOGSTREAM_LOG_GROUP`). */
export const DEFAULT_LOG_GROUP = '/logstream/executions';

/** Timings a logged execution gets unless told otherwise: the defaults of a worker on real AWS. */
export const DEFAULT_TIMINGS: ExecutionTimings = {
  settleMs: 30_000,
  heartbeatTimeoutMs: 20_000,
  commandTimeoutMs: 24 * 3_600_000,
  commandHeartbeatTimeoutMs: 120_000,
};

/** What a logged execution runs: a command on logstream's worker, or a job of the user's that writes to CloudWatch. */
export type LoggedExecutionSpec =
  { readonly command: readonly string[] } | { readonly logGroup: string; readonly logStream: string };

/**
 * The execution workflow's input for a logged execution: a command logs to its own stream of `logGroup` (default
 * `/logstream/executions`), an external job to the stream it names; unset timings get `DEFAULT_TIMINGS`.
 */
export function loggedExecutionInput(
  spec: LoggedExecutionSpec,
  executionId: string,
  options: { readonly logGroup?: string; readonly timings?: Partial<ExecutionTimings> } = {},
): ExecutionWorkflowInput {
  const timings = { ...DEFAULT_TIMINGS, ...options.timings };
  if ('command' in spec) {
    const location = { logGroup: options.logGroup ?? DEFAULT_LOG_GROUP, logStreams: [managedLogStream(executionId)] };
    return { executionId, location, command: [...spec.command], timings };
  }
  return { executionId, location: { logGroup: spec.logGroup, logStreams: [spec.logStream] }, timings };
}

/** Options of `startLoggedExecution`. */
export interface LoggedExecutionOptions {
  /** The execution id (the child's workflow id); default: `<parent workflow id>-log-<uuid4>`. */
  readonly executionId?: string;
  /** logstream's task queue, where its worker (the plugin's) polls (default `logstream`). */
  readonly taskQueue?: string;
  /** Log group of a command's log (default `/logstream/executions`); an external spec names its own. */
  readonly logGroup?: string;
  /** Timing knobs (settle window, heartbeats, command timeout); unset ones get `DEFAULT_TIMINGS`. */
  readonly timings?: Partial<ExecutionTimings>;
  /**
   * What happens to the execution when the parent closes first (default REQUEST_CANCEL: it is stopped, its log drained
   * and sealed, STOPPED). ABANDON lets a command run on; TERMINATE leaves its log unsealed.
   */
  readonly parentClosePolicy?: ParentClosePolicy;
}

/** Options of `complete()`. */
export interface LoggedCompletion {
  readonly status: TerminalStatus;
  /** When the job ended (default: now, on the workflow clock). */
  readonly completedAt?: Date | number;
  readonly exitCode?: number;
}

/**
 * The `complete` signal's payload for a completion (the workflow-side helper's and the workflow client's): its time
 * as epoch ms, default now (in a workflow, the workflow clock).
 */
export function completionSignalOf(completion: LoggedCompletion): Completion {
  const at = completion.completedAt ?? Date.now();
  return {
    status: completion.status,
    completedAt: at instanceof Date ? at.getTime() : at,
    ...(completion.exitCode === undefined ? {} : { exitCode: completion.exitCode }),
  };
}

/** A logged execution started by this workflow. */
export class LoggedExecution {
  constructor(
    /** The execution id: the child's workflow id, and the id the API, CLI and web app know it by. */
    readonly executionId: string,
    /** Where its log lives in CloudWatch. */
    readonly location: LogLocation,
    private readonly child: ChildWorkflowHandle<typeof executionWorkflow>,
  ) {}

  /** Signals the completion of an external job (its `CompletedAt`); the execution then drains and seals its log. */
  async complete(completion: LoggedCompletion): Promise<void> {
    await this.child.signal(completeSignal, completionSignalOf(completion));
  }

  /**
   * Stops it: a running command is ended, the log drained and sealed, the status STOPPED. Sent as a STOPPED completion
   * rather than a cancellation request, so the seal travels back to `sealed()` in the outcome (the execution's
   * workflow then ends Failed with a `CancelledFailure` holding the seal: Temporal shows Canceled only for a
   * requested cancellation).
   */
  async stop(): Promise<void> {
    await this.complete({ status: 'STOPPED' });
  }

  /**
   * Resolves once the log is sealed, with the final status and the seal (`lastIndex`, `completedAt`, exit code),
   * whether the execution's workflow ends Completed, or Failed/Canceled with its seal in the failure's details.
   */
  async sealed(): Promise<ExecutionWorkflowResult> {
    try {
      return await this.child.result();
    } catch (error) {
      const outcome = sealedOutcomeOf(error);
      if (outcome === undefined) throw error;
      return outcome;
    }
  }
}

/**
 * Starts a logged execution as a child of the calling workflow, on logstream's task queue: a command that logstream's
 * worker runs and logs, or an external log group/stream that the caller's own job writes to. Resolves once the child
 * has started.
 */
export async function startLoggedExecution(
  spec: LoggedExecutionSpec,
  options: LoggedExecutionOptions = {},
): Promise<LoggedExecution> {
  const executionId = options.executionId ?? `${workflowInfo().workflowId}-log-${uuid4()}`;
  const input = loggedExecutionInput(spec, executionId, options);
  const child = await startChild<typeof executionWorkflow>(EXECUTION_WORKFLOW_TYPE, {
    ...executionStartOptions(input, options.taskQueue ?? DEFAULT_TASK_QUEUE),
    parentClosePolicy: options.parentClosePolicy ?? ParentClosePolicy.REQUEST_CANCEL,
  });
  return new LoggedExecution(executionId, input.location, child);
}

/** The sealed outcome a Failed or Canceled execution workflow carries in its failure's details, if any. */
function sealedOutcomeOf(error: unknown): ExecutionWorkflowResult | undefined {
  if (!(error instanceof ChildWorkflowFailure)) return undefined;
  const cause = error.cause;
  if (!(cause instanceof ApplicationFailure || cause instanceof CancelledFailure)) return undefined;
  return sealedOutcomeFromDetails(cause.details ?? []);
}

/**
 * The sealed outcome in the details of an execution workflow's failure (FAILED: a non-retryable `ApplicationFailure`;
 * STOPPED: a `CancelledFailure`), holding either the seal or `{ status, seal }`.
 */
export function sealedOutcomeFromDetails(details: readonly unknown[]): ExecutionWorkflowResult | undefined {
  for (const detail of details) {
    if (typeof detail !== 'object' || detail === null) continue;
    const candidate = detail as { status?: unknown; seal?: unknown };
    if (isSeal(candidate.seal) && isTerminalStatus(candidate.status)) {
      return { status: candidate.status, seal: candidate.seal };
    }
    if (isSeal(candidate)) return { status: candidate.status, seal: candidate };
  }
  return undefined;
}

function isSeal(value: unknown): value is LogSeal {
  if (typeof value !== 'object' || value === null) return false;
  const seal = value as Partial<LogSeal>;
  return isTerminalStatus(seal.status) && typeof seal.lastIndex === 'number' && typeof seal.completedAt === 'number';
}
