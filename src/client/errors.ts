import { ERROR_CODES, isErrorCode } from '../contract';

/** What an error knows besides its code and message. */
export interface ApiErrorDetails {
  /** The execution the failure concerns, when the thrower knows it. */
  readonly executionId?: string;
  readonly cause?: unknown;
}

/**
 * A failure of logstream as its users meet it (the HTTP client's and the workflow client's alike), with the stable
 * `code` of the wire's catalogue (src/contract). `status` is the HTTP status of the failure: the one the API answered
 * with, or the catalogue's for its code when it came another way (the workflow client); 0 when the failure is the
 * client's own (the API unreachable, a tail that broke off, a log that did not seal).
 */
export class ApiError extends Error {
  /** The execution the failure concerns, when known. */
  readonly executionId: string | undefined;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    details: ApiErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ApiError';
    this.executionId = details.executionId;
  }
}

/** The status of `code` in the catalogue, 0 for a code not in it. */
function statusOf(code: string): number {
  return isErrorCode(code) ? ERROR_CODES[code].status : 0;
}

/**
 * The log is not sealed, so what was read is not provably the whole log: the execution's workflow
 * ended without a seal (it never will have one), or the seal did not come within the wait.
 */
export class LogNotSealedError extends ApiError {
  constructor(
    executionId: string,
    /** The last index delivered before giving up. */
    readonly lastIndex: number,
    /** True when a seal may still come (only the wait ran out). */
    readonly sealPending: boolean,
    message = sealPending
      ? `the log of ${executionId} is not sealed yet (its final drain still runs); events up to ${lastIndex} delivered`
      : `the log of ${executionId} will not be sealed (its workflow ended before the final drain); ` +
        `events up to ${lastIndex} delivered; /logs serves the whole unsealed log from CloudWatch`,
    cause?: unknown,
  ) {
    super(0, 'LOG_NOT_SEALED', message, { executionId, cause });
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

/** The request or an argument was refused as invalid (400, 413, 415). */
export class InvalidRequestError extends ApiError {
  constructor(code: string, message: string, status = statusOf(code) || 400) {
    super(status, code, message);
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
  constructor(code: string, message: string, details: ApiErrorDetails = {}) {
    super(404, code, message, details);
    this.name = 'ExecutionNotFoundError';
  }
}

/** The request conflicts with the execution's state: it completed already, or its log is sealed (409). */
export class ExecutionConflictError extends ApiError {
  constructor(code: string, message: string, details: ApiErrorDetails = {}) {
    super(409, code, message, details);
    this.name = 'ExecutionConflictError';
  }
}

/** An execution with that id exists already (409 `EXECUTION_EXISTS`). */
export class ExecutionExistsError extends ExecutionConflictError {
  constructor(message: string, details: ApiErrorDetails = {}) {
    super('EXECUTION_EXISTS', message, details);
    this.name = 'ExecutionExistsError';
  }
}

/**
 * A dependency of the API (Temporal, DynamoDB, CloudWatch) failed for now, or refused the call for rate (429
 * `THROTTLED`); retrying later may succeed (429/5xx).
 */
export class ServiceUnavailableError extends ApiError {
  constructor(status: number, code: string, message: string) {
    super(status, code, message);
    this.name = 'ServiceUnavailableError';
  }
}

/**
 * The error class for an answer of the API, chosen by its catalogued code (by its status for a code the catalogue
 * does not know, such as one from a newer API): one class per kind of failure, all carrying the API's `code`.
 */
export function apiErrorFor(status: number, code: string, message: string): ApiError {
  if (code === 'EXECUTION_EXISTS') return new ExecutionExistsError(message);
  const kind = isErrorCode(code) ? ERROR_CODES[code].status : status;
  if (kind === 400 || kind === 413 || kind === 415) return new InvalidRequestError(code, message, status);
  if (kind === 401 || kind === 403) return new AuthenticationError(status, code, message);
  if (kind === 404) return new ExecutionNotFoundError(code, message);
  if (kind === 409) return new ExecutionConflictError(code, message);
  if (kind === 429 || kind >= 500) return new ServiceUnavailableError(status, code, message);
  return new ApiError(status, code, message);
}
