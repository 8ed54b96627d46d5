import { LogstreamError } from '../domain';

/** Another writer already stored a chunk at this index: re-read the tip and resume from its cursor. */
export class ChunkConflictError extends LogstreamError {
  constructor(
    readonly executionId: string,
    readonly seq: number,
  ) {
    super('CHUNK_CONFLICT', `a chunk starting at index ${seq} already exists for ${executionId}`);
  }
}

/**
 * The log is sealed: nothing may be appended after the seal. Not retryable: a writer that meets it
 * (a leftover ingest attempt, a late first-request fill, a second drain) stops.
 */
export class LogSealedError extends LogstreamError {
  /** Never worth retrying: the seal is final. */
  readonly retryable = false;

  constructor(readonly executionId: string) {
    super('LOG_SEALED', `the log of ${executionId} is sealed: nothing can be appended`);
  }
}

/** A dependency (DynamoDB, CloudWatch, Temporal) failed or is unreachable. */
export class DependencyError extends LogstreamError {
  constructor(
    readonly dependency: 'dynamodb' | 'cloudwatch' | 'kinesis' | 'temporal',
    readonly operation: string,
    cause: unknown,
    /** True when the same call may succeed later (throttling, 5xx, network); see `classifyAwsError`. */
    readonly retryable = true,
    details: { readonly throttled?: boolean; readonly awsCode?: string; readonly attempts?: number } = {},
  ) {
    super(
      `${dependency.toUpperCase()}_UNAVAILABLE`,
      `${dependency} ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.throttled = details.throttled ?? false;
    this.awsCode = details.awsCode;
    this.attempts = details.attempts ?? 1;
  }

  /** True when the dependency refused the call for rate (a quota or throughput limit). */
  readonly throttled: boolean;
  /** The AWS error code behind the failure, when it came from AWS. */
  readonly awsCode: string | undefined;
  /** Calls the client made before giving up, its own retries (and their back-off) included; 1 when unknown. */
  readonly attempts: number;
}

/** The execution is unknown. */
export class UnknownExecutionError extends LogstreamError {
  constructor(readonly executionId: string) {
    super('EXECUTION_NOT_FOUND', `execution ${executionId} does not exist`);
  }
}

/** An execution with this id exists already. */
export class ExecutionIdTakenError extends LogstreamError {
  constructor(readonly executionId: string) {
    super('EXECUTION_EXISTS', `execution ${executionId} already exists`);
  }
}

/** The execution has completed: it takes no more completion or stop. */
export class ExecutionCompletedError extends LogstreamError {
  constructor(readonly executionId: string) {
    super('EXECUTION_COMPLETED', `execution ${executionId} has already completed`);
  }
}
