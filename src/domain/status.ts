/** Statuses an execution ends in. */
export const TERMINAL_STATUSES = ['SUCCEEDED', 'FAILED', 'STOPPED'] as const;

/** A status an execution ends in. */
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/** The status of an execution as users see it. */
export type ExecutionStatus = 'RUNNING' | TerminalStatus;

/** True when `value` names a status an execution ends in. */
export function isTerminalStatus(value: unknown): value is TerminalStatus {
  return typeof value === 'string' && (TERMINAL_STATUSES as readonly string[]).includes(value);
}

/** The exit code of a command maps onto the status of its execution. */
export function statusForExitCode(exitCode: number): TerminalStatus {
  return exitCode === 0 ? 'SUCCEEDED' : 'FAILED';
}
