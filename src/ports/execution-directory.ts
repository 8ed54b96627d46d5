import type { Completion, ExecutionInfo, ExecutionSpec, ExecutionStatus } from '../domain';

/** Where executions run and report their status (Temporal in production). */
export interface ExecutionDirectory {
  /** Starts the execution's workflow; throws `ExecutionIdTakenError` when the id is taken. */
  start(spec: ExecutionSpec): Promise<void>;
  /** The execution's status, or undefined when the directory does not know it (never started, or past retention). */
  describe(executionId: string): Promise<ExecutionInfo | undefined>;
  /** Newest first. */
  list(filter: { status?: ExecutionStatus; limit: number }): Promise<ExecutionInfo[]>;
  /** Sends the `complete` signal. */
  complete(executionId: string, completion: Completion): Promise<void>;
  /** Cancels the execution: it ends STOPPED. */
  stop(executionId: string): Promise<void>;
  ping(): Promise<void>;
}
