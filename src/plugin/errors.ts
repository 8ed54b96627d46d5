/** A failure of the workflow client, with a stable `code`; each kind of failure has its own subclass. */
export class WorkflowClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WorkflowClientError';
  }
}

/** An execution with this id exists already. */
export class ExecutionExistsError extends WorkflowClientError {
  constructor(
    readonly executionId: string,
    cause?: unknown,
  ) {
    super('EXECUTION_EXISTS', `execution ${executionId} exists already`, { cause });
    this.name = 'ExecutionExistsError';
  }
}

/** No execution has this id. */
export class ExecutionNotFoundError extends WorkflowClientError {
  constructor(
    readonly executionId: string,
    cause?: unknown,
  ) {
    super('EXECUTION_NOT_FOUND', `no execution ${executionId}`, { cause });
    this.name = 'ExecutionNotFoundError';
  }
}

/** The execution's workflow ended without sealing its log (terminated, timed out): its log is not provably whole. */
export class LogNotSealedError extends WorkflowClientError {
  constructor(
    readonly executionId: string,
    cause?: unknown,
  ) {
    super('LOG_NOT_SEALED', `execution ${executionId} ended without a seal`, { cause });
    this.name = 'LogNotSealedError';
  }
}

/** An argument the client cannot use. */
export class InvalidInputError extends WorkflowClientError {
  constructor(message: string) {
    super('INVALID_INPUT', message);
    this.name = 'InvalidInputError';
  }
}
