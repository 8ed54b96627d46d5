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
