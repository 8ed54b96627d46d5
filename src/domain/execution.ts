import type { ExecutionStatus, TerminalStatus } from './status';

/** Where an execution's log lives in CloudWatch Logs. */
export interface LogLocation {
  readonly logGroup: string;
  readonly logStreams: readonly string[];
}

/** What starts an execution: a command the worker runs, or an external job that writes its own log. */
export interface ExecutionSpec {
  readonly executionId: string;
  readonly location: LogLocation;
  /** argv of a managed execution; undefined for an external one. */
  readonly command?: readonly string[];
}

/** The completion of an execution, as the `complete` signal carries it. */
export interface Completion {
  readonly status: TerminalStatus;
  /** Epoch milliseconds. */
  readonly completedAt: number;
  /** The job's exit code, when it has one (the built-in runner's command, or what a runner reports). */
  readonly exitCode?: number;
  /**
   * Epoch ms of the writer's last successful PutLogEvents, when it knows it. The final drain's settle
   * window starts at `max(completedAt, lastWriteAt)`: lines flushed after the exit are still waited for.
   */
  readonly lastWriteAt?: number;
  /** Lines the writer could not store in CloudWatch (rejected or undeliverable), when there were any. */
  readonly rejectedEvents?: number;
}

/** True for an exit code a process can report (0..255). */
export function isExitCode(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255;
}

/** The seal of a log: written once the final drain is done; a sealed log is complete. */
export interface LogSeal extends Completion {
  readonly lastIndex: number;
  readonly sealedAt: number;
}

/** What the log store keeps about an execution besides its chunks; outlives Temporal's retention. */
export interface ExecutionRecord {
  readonly executionId: string;
  readonly location: LogLocation;
  readonly startedAt: number;
  readonly seal?: LogSeal;
}

/** An execution as the directory (Temporal) describes it. */
export interface ExecutionInfo {
  readonly executionId: string;
  readonly status: ExecutionStatus;
  readonly startedAt: number;
  readonly completedAt?: number;
  /**
   * True while the workflow itself runs. A completed status with `open` means the final drain has
   * not sealed the log yet: the stored log must not be guessed complete.
   */
  readonly open: boolean;
  /** Where the log lives, as the workflow was started with (so it is known without the store). */
  readonly location?: LogLocation;
}

/** The default log stream of a managed execution. */
export function managedLogStream(executionId: string): string {
  return `executions/${executionId}`;
}
