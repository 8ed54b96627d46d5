import { DependencyError } from '../ports';

/**
 * The one place that decides what an AWS SDK error means, by its error code (the SDK's `name`) and
 * HTTP status, never by class identity (SDK classes differ between module copies and Jest realms).
 * Every adapter wraps SDK failures through `classifyAwsError`, and every caller then reads
 * `DependencyError.retryable` / `.throttled` instead of guessing.
 */

/** How a caller should treat a failed AWS call. */
export interface AwsErrorClass {
  /** The AWS error code (`ThrottlingException`, `InvalidParameterException`, ...) or a network code. */
  readonly code: string;
  /** True when the same call may succeed later: throttling, 5xx, network failures. */
  readonly retryable: boolean;
  /** True when the call was refused for rate: back off harder, and count it. */
  readonly throttled: boolean;
}

const THROTTLING_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  // Kinesis answers its per-shard read rate with this code.
  'LimitExceededException',
]);

const TRANSIENT_CODES = new Set([
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalServerError',
  'InternalServerException',
  'InternalFailureException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TransactionConflictException',
  'OperationAbortedException',
  'TimeoutError',
  'AbortError',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

/** Classifies any error thrown by an AWS SDK call. */
export function classifyAwsError(error: unknown): AwsErrorClass {
  const e = (error ?? {}) as {
    name?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $retryable?: unknown;
    message?: unknown;
  };
  const name = typeof e.name === 'string' ? e.name : '';
  const networkCode = typeof e.code === 'string' ? e.code : '';
  const code = THROTTLING_CODES.has(name) || TRANSIENT_CODES.has(name) ? name : networkCode || name || 'Unknown';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  if (THROTTLING_CODES.has(code) || status === 429) return { code, retryable: true, throttled: true };
  if (TRANSIENT_CODES.has(code) || (status !== undefined && status >= 500)) {
    return { code, retryable: true, throttled: false };
  }
  // No HTTP status but a system error code: the request never got an answer (refused, reset, DNS).
  if (status === undefined && /^E[A-Z]+$/.test(networkCode)) return { code, retryable: true, throttled: false };
  // The SDK's retry layer can wrap a socket error from another realm (a vm context, a test runner) into a plain
  // "AWS SDK error wrapper for Error: connect ECONNREFUSED ..." without `code`: its message still names the code.
  const wrapped = status === undefined ? wrappedNetworkCode(e) : undefined;
  if (wrapped !== undefined) return { code: wrapped, retryable: true, throttled: false };
  return { code, retryable: false, throttled: false };
}

function wrappedNetworkCode(error: { message?: unknown }): string | undefined {
  const message = error.message;
  if (typeof message !== 'string' || !message.startsWith('AWS SDK error wrapper')) return undefined;
  return [...TRANSIENT_CODES].find((code) => /^E[A-Z_]+$/.test(code) && message.includes(code));
}

/** Wraps a failed AWS call as the `DependencyError` its classification calls for. */
export function toDependencyError(
  dependency: DependencyError['dependency'],
  operation: string,
  error: unknown,
): DependencyError {
  const { code, retryable, throttled } = classifyAwsError(error);
  // The SDK's retry middleware records how many calls it made (each retry after its back-off).
  const attempts = (error as { $metadata?: { attempts?: unknown } } | undefined)?.$metadata?.attempts;
  return new DependencyError(dependency, operation, error, retryable, {
    throttled,
    awsCode: code,
    ...(typeof attempts === 'number' && Number.isSafeInteger(attempts) && attempts > 0 ? { attempts } : {}),
  });
}
