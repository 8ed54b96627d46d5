import { InvalidArgumentError } from 'commander';
import { parseExecutionId, TERMINAL_STATUSES, type ExecutionStatus } from '../domain';
import { UsageError } from './errors';

/** Every status an execution can have. */
export const STATUSES: readonly ExecutionStatus[] = ['RUNNING', ...TERMINAL_STATUSES];

/** A commander argument parser from one that throws `UsageError`. */
export function arg<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

/** An execution id argument. */
export const executionIdArg = arg((value) => parseExecutionId(value, 'ID'));

/** A non-negative whole number argument, at most `max`. */
export function wholeNumber(what: string, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return arg((value) => {
    if (!/^\d{1,15}$/.test(value) || Number(value) > max) {
      throw new UsageError(`must be ${what}${max < Number.MAX_SAFE_INTEGER ? ` (at most ${max})` : ''}`);
    }
    return Number(value);
  });
}

/** An execution status argument (any case). */
export const statusArg = arg((value): ExecutionStatus => {
  const status = value.toUpperCase() as ExecutionStatus;
  if (!STATUSES.includes(status)) throw new UsageError(`must be one of ${STATUSES.join(', ')}`);
  return status;
});

/** A `--limit` of `list`: executions in all (the client reads as many pages as that takes). */
export const limitArg = arg((value) => {
  const limit = wholeNumber('a whole number')(value);
  if (limit < 1) throw new UsageError('must be at least 1');
  return limit;
});
