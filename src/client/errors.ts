/** The error the API answered with (`code` as in its JSON body). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * The log is not sealed, so what was read is not provably the whole log: the execution's workflow
 * ended without a seal (it never will have one), or the seal did not come within the wait.
 */
export class LogNotSealedError extends ApiError {
  constructor(
    readonly executionId: string,
    /** The last index delivered before giving up. */
    readonly lastIndex: number,
    /** True when a seal may still come (only the wait ran out). */
    readonly sealPending: boolean,
    message = sealPending
      ? `the log of ${executionId} is not sealed yet (its final drain still runs); events up to ${lastIndex} delivered`
      : `the log of ${executionId} will not be sealed (its workflow ended before the final drain); ` +
        `events up to ${lastIndex} delivered; /logs serves the whole unsealed log from CloudWatch`,
  ) {
    super(0, 'LOG_NOT_SEALED', message);
    this.name = 'LogNotSealedError';
  }
}

/** The API could not be reached (network, DNS, refused connection). */
export class ApiUnreachableError extends ApiError {
  constructor(message: string) {
    super(0, 'UNREACHABLE', message);
    this.name = 'ApiUnreachableError';
  }
}

/** The request was refused as invalid (400). */
export class InvalidRequestError extends ApiError {
  constructor(code: string, message: string) {
    super(400, code, message);
    this.name = 'InvalidRequestError';
  }
}

/** No API key, or a wrong one (401/403). */
export class AuthenticationError extends ApiError {
  constructor(status: number, code: string, message: string) {
    super(status, code, message);
    this.name = 'AuthenticationError';
  }
}

/** No execution has that id (404). */
export class ExecutionNotFoundError extends ApiError {
  constructor(code: string, message: string) {
    super(404, code, message);
    this.name = 'ExecutionNotFoundError';
  }
}

/** The request conflicts with the execution's state: it exists, or it completed already (409). */
export class ExecutionConflictError extends ApiError {
  constructor(code: string, message: string) {
    super(409, code, message);
    this.name = 'ExecutionConflictError';
  }
}

/** A dependency of the API (Temporal, DynamoDB, CloudWatch) failed for now; retrying later may succeed (429/5xx). */
export class ServiceUnavailableError extends ApiError {
  constructor(status: number, code: string, message: string) {
    super(status, code, message);
    this.name = 'ServiceUnavailableError';
  }
}

/** The error class for an answer of the API: one class per kind of failure, all carrying the API's `code`. */
export function apiErrorFor(status: number, code: string, message: string): ApiError {
  if (status === 400 || status === 413 || status === 415) return new InvalidRequestError(code, message);
  if (status === 401 || status === 403) return new AuthenticationError(status, code, message);
  if (status === 404) return new ExecutionNotFoundError(code, message);
  if (status === 409) return new ExecutionConflictError(code, message);
  if (status === 429 || status >= 500) return new ServiceUnavailableError(status, code, message);
  return new ApiError(status, code, message);
}
